"""A bot or agent reply of an e-mail conversation goes out by SMTP, threaded under the customer's mail.

Threading headers (RFC 5322 section 3.6.4): a new Message-ID of our domain, In-Reply-To the customer's latest
mail, References every Message-ID of the thread so far (the most recent MAX_REFERENCES). The text is the reply
as stored (anonymized, as every channel shows it), followed by the cited sources.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import IntegrityError

from connectors.email.address import address_reveal
from connectors.models import EmailMessageRef, EmailThread
from conversations.models import Message

MAX_REFERENCES = 20
SENT_ROLES = {Message.Role.BOT, Message.Role.AGENT}


class EmailNotSent(Exception):
    """The reply could not be sent now (the task retries it)."""


def is_mailed(message: Message) -> bool:
    """Bot and agent replies, and the notice that a person will answer; not the other system notices."""
    return message.role in SENT_ROLES or (message.role == Message.Role.SYSTEM and bool(message.handoff_reason))


def _body(message: Message) -> str:
    lines = [message.text]
    sources = [s for s in message.sources or [] if isinstance(s, dict) and s.get("title")]
    if sources:
        lines += ["", "Sources:"] + [f"[{n}] {s['title']}" + (f" {s['url']}" if s.get("url") else "") for n, s in enumerate(sources, 1)]
    return "\n".join(lines)


def _domain() -> str:
    return settings.EMAIL_CHANNEL_ADDRESS.rsplit("@", 1)[-1] or "localhost"


def email_reply_send(*, message: Message) -> EmailMessageRef | None:
    """Send ``message`` to the customer of its e-mail thread once; None when it is not a mail to send."""
    thread = EmailThread.objects.select_related("conversation").filter(conversation_id=message.conversation_id).first()
    if thread is None or not is_mailed(message):
        return None
    ref = EmailMessageRef.objects.filter(message=message).first()
    if ref is not None and ref.status == EmailMessageRef.Status.SENT:
        return ref
    address = address_reveal(conversation=thread.conversation, placeholder=thread.address_placeholder)
    if address is None:
        raise EmailNotSent("The customer's address was purged or erased; nothing can be sent.")
    earlier = list(thread.refs.exclude(message=message).order_by("id").values_list("mail_id", "direction"))
    inbound = [mail_id for mail_id, direction in earlier if direction == EmailMessageRef.Direction.INBOUND]
    if ref is None:
        try:
            ref = EmailMessageRef.objects.create(thread=thread, mail_id=make_msgid(domain=_domain()), message=message,
                                                 direction=EmailMessageRef.Direction.OUTBOUND, status=EmailMessageRef.Status.FAILED)
        except IntegrityError:  # another worker took this message: it sends it
            return EmailMessageRef.objects.filter(message=message).first()
    headers = {"Message-ID": ref.mail_id}
    if inbound:
        headers["In-Reply-To"] = inbound[-1]
    if earlier:
        headers["References"] = " ".join(mail_id for mail_id, _ in earlier[-MAX_REFERENCES:])
    subject = thread.subject or "Your question"
    mail = EmailMessage(subject=subject if subject.lower().startswith("re:") else f"Re: {subject}", body=_body(message),
                        from_email=settings.EMAIL_CHANNEL_ADDRESS, to=[address], headers=headers)
    attempts = ref.attempts + 1
    try:
        mail.send(fail_silently=False)
    except Exception as exc:  # SMTP refused, connection lost: recorded, and the task tries again
        # The class and SMTP code only: a refusal's text can quote the customer's address.
        code = getattr(exc, "smtp_code", None)
        EmailMessageRef.objects.filter(pk=ref.pk).update(attempts=attempts, error=f"{type(exc).__name__}{f' {code}' if code else ''}")
        raise EmailNotSent(f"SMTP failed: {type(exc).__name__}") from exc
    EmailMessageRef.objects.filter(pk=ref.pk).update(status=EmailMessageRef.Status.SENT, attempts=attempts, error="")
    ref.status, ref.attempts = EmailMessageRef.Status.SENT, attempts
    return ref
