"""Inbound e-mail in the three shapes it arrives in, read into one `InboundEmail`.

- Mailgun's routes, forward() to a URL, "fully parsed" format (form fields: from, sender, subject,
  body-plain, stripped-text, message-headers, timestamp/token/signature):
  https://documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/receive-http
- Postmark's inbound webhook (JSON: FromFull, Subject, TextBody, StrippedTextReply, Headers, MessageID):
  https://postmarkapp.com/developer/webhooks/inbound-webhook
- Raw RFC 822 bytes, as an IMAP server returns them.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MESSAGE_ID_MAX = 255  # EmailMessageRef.mail_id; a longer one is replaced by a hash of the mail
# "On Tue, 3 Mar 2026 at 10:00, Kestrel Bank <support@...> wrote:" and the quoted lines after it.
ATTRIBUTION = re.compile(r"^\s*(On .{0,300}wrote:|-----\s*Original Message\s*-----)\s*$", re.IGNORECASE | re.MULTILINE)


class EmailParseError(ValueError):
    """The post or message is not a usable e-mail (no sender, no text)."""


@dataclass(frozen=True)
class InboundEmail:
    sender: str  # the bare address
    subject: str
    text: str  # the new part of the body: quoted earlier mail removed
    message_id: str  # with its angle brackets
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    provider: str = "imap"

    @property
    def thread_ids(self) -> list[str]:
        """The ids this mail answers, most direct first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


def message_ids(value: str | None) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def strip_quoted(text: str) -> str:
    """The text above the attribution line of a reply, without '>' quoted lines."""
    match = ATTRIBUTION.search(text)
    if match:
        text = text[: match.start()]
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts)).strip()


def _address(value: str | None) -> str:
    address = parseaddr(value or "")[1].strip()
    if "@" not in address or len(address) > 254:
        raise EmailParseError("The e-mail has no valid sender address.")
    return address


def _fallback_id(*parts: str) -> str:
    # A mail without a Message-ID still needs one id that a provider's retry repeats.
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"<{digest}@inbound.invalid>"


def _storable(value: str) -> str:
    # JSON can carry NUL characters and unpaired surrogates, which PostgreSQL text cannot hold.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _finish(*, sender: str, subject: str, text: str, message_id: str, in_reply_to: list[str], references: list[str],
            provider: str) -> InboundEmail:
    sender, text, subject, message_id = _storable(sender), _storable(text).strip(), _storable(subject), _storable(message_id)
    in_reply_to, references = [_storable(i) for i in in_reply_to], [_storable(i) for i in references]
    if not text:
        raise EmailParseError("The e-mail has no text.")
    ids = [i for i in message_ids(message_id) if len(i) <= MESSAGE_ID_MAX]
    return InboundEmail(sender=sender, subject=" ".join(subject.split())[:255], text=text,
                        message_id=ids[0] if ids else _fallback_id(sender, subject, text),
                        in_reply_to=in_reply_to, references=references, provider=provider)


def from_mailgun(form: Mapping[str, str]) -> InboundEmail:
    """Mailgun's fully parsed post. Thread headers come from ``message-headers`` ([[name, value], ...])."""
    headers: dict[str, str] = {}
    try:
        for name, value in json.loads(form.get("message-headers") or "[]"):
            headers.setdefault(str(name).lower(), str(value))
    except (ValueError, TypeError):
        raise EmailParseError("message-headers is not the JSON list of [name, value] pairs Mailgun sends.") from None
    def header(name: str) -> str:
        return headers.get(name.lower()) or form.get(name) or ""

    text = form.get("stripped-text") or strip_quoted(form.get("body-plain") or "")
    return _finish(sender=_address(form.get("from") or form.get("sender")), subject=form.get("subject") or header("Subject"),
                   text=text, message_id=header("Message-Id"), in_reply_to=message_ids(header("In-Reply-To")),
                   references=message_ids(header("References")), provider="mailgun")


def from_postmark(data: object) -> InboundEmail:
    """Postmark's inbound JSON. ``MessageID`` is Postmark's own id; the mail's Message-ID is among ``Headers``."""
    if not isinstance(data, dict):
        raise EmailParseError("The body must be Postmark's inbound JSON object.")
    headers: dict[str, str] = {}
    for item in data.get("Headers") or []:
        if isinstance(item, dict) and isinstance(item.get("Name"), str):
            headers.setdefault(item["Name"].lower(), str(item.get("Value") or ""))
    sender = (data.get("FromFull") or {}).get("Email") if isinstance(data.get("FromFull"), dict) else None
    text = data.get("StrippedTextReply") or strip_quoted(str(data.get("TextBody") or "")) or html_to_text(str(data.get("HtmlBody") or ""))
    message_id = headers.get("message-id") or (f"<{data['MessageID']}@postmark>" if data.get("MessageID") else "")
    return _finish(sender=_address(sender or str(data.get("From") or "")), subject=str(data.get("Subject") or ""),
                   text=str(text), message_id=message_id, in_reply_to=message_ids(headers.get("in-reply-to")),
                   references=message_ids(headers.get("references")), provider="postmark")


def from_rfc822(raw: bytes, *, provider: str = "imap") -> InboundEmail:
    """A whole message as bytes (IMAP's RFC822 fetch): the text/plain part, else the HTML part as text."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise EmailParseError("The e-mail has no text or HTML part.")
    content = body.get_content()
    text = content if body.get_content_subtype() == "plain" else html_to_text(content)
    senders = getaddresses([str(message.get("From", ""))])
    return _finish(sender=_address(senders[0][1] if senders else ""), subject=str(message.get("Subject", "")),
                   text=strip_quoted(text), message_id=str(message.get("Message-ID", "")),
                   in_reply_to=message_ids(str(message.get("In-Reply-To", ""))),
                   references=message_ids(str(message.get("References", ""))), provider=provider)
