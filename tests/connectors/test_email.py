"""The e-mail channel: Mailgun and Postmark posts over HTTP, authenticated; the customer's address in the vault
only; the bot's reply sent by a real SMTP server on loopback with the thread's headers; the thread continued by
its headers; IMAP mail read from real RFC 822 bytes (no IMAP server here: the poll is run against a stand-in
client that hands over those bytes)."""

from __future__ import annotations

import email
import email.policy
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage

import pytest
from rest_framework.test import APIClient

from connectors.email.auth import mailgun_signature
from connectors.email.imap import imap_poll
from connectors.email.parsing import from_rfc822
from connectors.email.sending import EmailNotSent, email_reply_send
from connectors.models import EmailMessageRef, EmailThread
from conversations.models import Conversation, Message, PiiVaultEntry

KEY = "key-mailgun-signing-for-tests"
CUSTOMER = "olga.petrova@example.org"
MAILGUN = "/api/v1/connectors/email/mailgun/"
POSTMARK = "/api/v1/connectors/email/postmark/"


@pytest.fixture(autouse=True)
def _channel(settings):
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = KEY
    settings.POSTMARK_INBOUND_USER, settings.POSTMARK_INBOUND_PASSWORD = "postmark", "s3cret-inbound"
    settings.EMAIL_CHANNEL_ADDRESS = "support@kestrel-bank.example"


def mailgun_form(*, text: str, message_id: str, sender: str = CUSTOMER, in_reply_to: str = "", references: str = "",
                 subject: str = "My new card", timestamp: int | None = None, token: str | None = None, key: str = KEY) -> dict:
    timestamp = timestamp or int(time.time())
    token = token or f"tok{time.monotonic_ns()}"
    headers = [["Message-Id", message_id], ["From", f"Olga Petrova <{sender}>"], ["Subject", subject]]
    headers += [["In-Reply-To", in_reply_to]] if in_reply_to else []
    headers += [["References", references]] if references else []
    return {"from": f"Olga Petrova <{sender}>", "sender": sender, "recipient": "support@kestrel-bank.example", "subject": subject,
            "body-plain": text, "stripped-text": text, "message-headers": json.dumps(headers), "timestamp": str(timestamp),
            "token": token, "signature": mailgun_signature(key=key, timestamp=str(timestamp), token=token)}


def post_form(url: str, form: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.django_db(transaction=True)
def test_a_mailgun_mail_is_answered_by_smtp_in_its_thread_and_the_reply_continues_it(live_server, bot, smtp):
    """End to end over HTTP with PII on: the served path, the vault, the SMTP reply and its threading headers."""
    status, body = post_form(live_server.url + MAILGUN, mailgun_form(
        text=f"When will my card arrive? You can reach me at {CUSTOMER}.", message_id="<first@mail.example.org>"))
    assert status == 200, body
    conversation = Conversation.objects.get(public_id=body["conversation"])
    assert conversation.channel == Conversation.Channel.EMAIL
    thread = EmailThread.objects.get(conversation=conversation)
    # The address is personal data: the vault holds it encrypted, the thread and the message only its placeholder.
    assert thread.address_placeholder == "<EMAIL_1>"
    entry = PiiVaultEntry.objects.get(conversation=conversation, placeholder="<EMAIL_1>")
    assert CUSTOMER.encode() not in bytes(entry.ciphertext)
    customer = Message.objects.get(pk=body["message"])
    assert CUSTOMER not in customer.text and "<EMAIL_1>" in customer.text
    reply = Message.objects.get(pk=body["reply"])
    assert reply.role == Message.Role.BOT and "3-5 working days" in reply.text

    assert len(smtp.received) == 1
    mail_from, rcpt, raw = smtp.received[0]
    sent = parsed(raw)
    assert rcpt == [CUSTOMER] and mail_from == "support@kestrel-bank.example"
    assert sent["In-Reply-To"] == "<first@mail.example.org>" and sent["References"] == "<first@mail.example.org>"
    assert sent["Subject"] == "Re: My new card" and sent["Message-ID"].endswith("@kestrel-bank.example>")
    assert "3-5 working days" in sent.get_content() and "[1] Card delivery" in sent.get_content()
    ours = EmailMessageRef.objects.get(message=reply)
    assert ours.status == EmailMessageRef.Status.SENT and ours.mail_id == sent["Message-ID"]

    # The customer answers our reply: the same conversation, and our reply's Message-ID in the new References.
    status, body = post_form(live_server.url + MAILGUN, mailgun_form(
        text="And can I get a card delivered abroad?", message_id="<second@mail.example.org>", subject="Re: My new card",
        in_reply_to=sent["Message-ID"], references=f"<first@mail.example.org> {sent['Message-ID']}"))
    assert status == 200 and body["conversation"] == str(conversation.public_id)
    second = parsed(smtp.received[1][2])
    assert second["In-Reply-To"] == "<second@mail.example.org>"
    assert second["References"].split() == ["<first@mail.example.org>", sent["Message-ID"], "<second@mail.example.org>"]


@pytest.mark.django_db(transaction=True)
def test_a_provider_retry_is_answered_once(live_server, bot, smtp):
    form = mailgun_form(text="When will my card arrive?", message_id="<retry@mail.example.org>")
    first = post_form(live_server.url + MAILGUN, form)[1]
    again = post_form(live_server.url + MAILGUN, {**form, **mailgun_form(text="When will my card arrive?", message_id="<retry@mail.example.org>")})[1]
    assert first == again
    assert Message.objects.filter(role=Message.Role.CUSTOMER).count() == 1 and len(smtp.received) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["no signature", "wrong key", "too old", "replayed", "no key configured"])
def test_an_unauthenticated_mailgun_post_is_refused_and_stores_nothing(change, settings, bot):
    client = APIClient()
    form = mailgun_form(text="card?", message_id="<x@y>", key="wrong" if change == "wrong key" else KEY,
                        timestamp=int(time.time()) - 3600 if change == "too old" else None)
    if change == "no signature":
        form.pop("signature")
    if change == "no key configured":
        settings.MAILGUN_WEBHOOK_SIGNING_KEY = ""
    if change == "replayed":
        assert client.post(MAILGUN, form, format="multipart").status_code == 200
        Conversation.objects.all().delete()
    response = client.post(MAILGUN, form, format="multipart")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Conversation.objects.exists()


def postmark_payload(*, text: str, message_id: str, in_reply_to: str = "") -> dict:
    headers = [{"Name": "Message-ID", "Value": message_id}] + ([{"Name": "In-Reply-To", "Value": in_reply_to}] if in_reply_to else [])
    return {"From": CUSTOMER, "FromName": "Olga Petrova", "FromFull": {"Email": CUSTOMER, "Name": "Olga Petrova", "MailboxHash": ""},
            "To": "support@kestrel-bank.example", "Subject": "Card", "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
            "TextBody": f"{text}\n\nOn Tue, 3 Mar 2026 at 10:00, Kestrel Bank <support@kestrel-bank.example> wrote:\n> earlier",
            "HtmlBody": f"<p>{text}</p>", "StrippedTextReply": "", "Headers": headers, "Attachments": []}


@pytest.mark.django_db
@pytest.mark.parametrize("authorization", [None, "Basic " + "cG9zdG1hcms6d3Jvbmc=", "Bearer s3cret-inbound"])
def test_a_postmark_post_without_its_credentials_is_refused(authorization, bot):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    response = client.post(POSTMARK, postmark_payload(text="card?", message_id="<p@y>"), format="json")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_a_postmark_mail_is_received_with_its_quoted_part_removed(bot, smtp, django_capture_on_commit_callbacks):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic cG9zdG1hcms6czNjcmV0LWluYm91bmQ=")  # postmark:s3cret-inbound
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(POSTMARK, postmark_payload(text="When does my card arrive?", message_id="<pm1@mail.example.org>"), format="json")
    assert response.status_code == 200, response.json()
    message = Message.objects.get(pk=response.json()["message"])
    assert message.text == "When does my card arrive?"
    assert parsed(smtp.received[0][2])["In-Reply-To"] == "<pm1@mail.example.org>"


@pytest.mark.django_db
def test_a_stranger_quoting_a_threads_message_id_starts_a_conversation_of_their_own(bot, smtp, django_capture_on_commit_callbacks):
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(MAILGUN, mailgun_form(text="card?", message_id="<a@mail.example.org>"), format="multipart").json()
    ours = parsed(smtp.received[0][2])["Message-ID"]
    with django_capture_on_commit_callbacks(execute=True):
        other = client.post(MAILGUN, mailgun_form(text="card? me too", message_id="<b@evil.example>", sender="mallory@evil.example",
                                                  in_reply_to=ours), format="multipart").json()
    assert other.get("conversation") not in (None, first["conversation"]), other
    assert smtp.received[1][1] == ["mallory@evil.example"]


@pytest.mark.django_db
def test_an_smtp_failure_is_recorded_without_the_address_and_raises_for_a_retry(bot, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        body = client.post(MAILGUN, mailgun_form(text="card?", message_id="<c@mail.example.org>"), format="multipart").json()
    reply = Message.objects.get(pk=body["reply"])
    EmailMessageRef.objects.filter(message=reply).update(status=EmailMessageRef.Status.FAILED)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    with pytest.raises(EmailNotSent):
        email_reply_send(message=reply)
    ref = EmailMessageRef.objects.get(message=reply)
    assert ref.status == EmailMessageRef.Status.FAILED and ref.attempts == 2 and ref.error and CUSTOMER not in ref.error


def rfc822(*, sender: str, message_id: str, text: str, in_reply_to: str = "", html: bool = False) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"], message["Message-ID"] = f"Olga <{sender}>", "support@kestrel-bank.example", "Card", message_id
    if in_reply_to:
        message["In-Reply-To"], message["References"] = in_reply_to, in_reply_to
    quoted = "\n\nOn Mon, 2 Mar 2026 at 09:00, Kestrel Bank <support@kestrel-bank.example> wrote:\n> Your card arrives soon."
    if html:
        message.set_content(f"<html><body><p>{text}</p><blockquote>old</blockquote></body></html>", subtype="html")
    else:
        message.set_content(text + quoted)
    return message.as_bytes()


def test_the_rfc822_parser_reads_sender_thread_headers_and_only_the_new_text():
    mail = from_rfc822(rfc822(sender=CUSTOMER, message_id="<m1@mail.example.org>", text="Is my card on its way?",
                              in_reply_to="<ours@kestrel-bank.example>"))
    assert (mail.sender, mail.message_id, mail.text) == (CUSTOMER, "<m1@mail.example.org>", "Is my card on its way?")
    assert mail.thread_ids == ["<ours@kestrel-bank.example>"]
    assert from_rfc822(rfc822(sender=CUSTOMER, message_id="<m2@x>", text="Only HTML here", html=True)).text.startswith("Only HTML here")


class StandInImap:
    """Answers the IMAP4 calls imap_poll makes, with real RFC 822 bytes (no IMAP server can run here)."""

    def __init__(self, mails: dict[bytes, bytes]) -> None:
        self.mails, self.seen, self.calls = mails, set(), []

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user))

    def select(self, folder: str) -> None:
        self.calls.append(("select", folder))

    def search(self, charset: object, criterion: str) -> tuple[str, list[bytes]]:
        return "OK", [b" ".join(n for n in self.mails if n not in self.seen)]

    def fetch(self, number: bytes, parts: str) -> tuple[str, list]:
        return "OK", [(number + b" (RFC822 {%d}" % len(self.mails[number]), self.mails[number]), b")"]

    def store(self, number: bytes, op: str, flag: str) -> None:
        self.seen.add(number)

    def logout(self) -> None:
        self.calls.append(("logout",))


@pytest.mark.django_db
def test_imap_polling_receives_unseen_mail_and_flags_it_even_when_one_is_unreadable(bot, smtp, settings,
                                                                                   django_capture_on_commit_callbacks):
    settings.EMAIL_IMAP_HOST, settings.EMAIL_IMAP_USER = "imap.example.org", "support"
    stand_in = StandInImap({b"1": rfc822(sender=CUSTOMER, message_id="<i1@mail.example.org>", text="When will my card arrive?"),
                            b"2": b"not a mail at all"})
    with django_capture_on_commit_callbacks(execute=True):
        assert imap_poll(connect=lambda: stand_in) == 1
    assert stand_in.seen == {b"1", b"2"} and stand_in.calls[-1] == ("logout",)
    thread = EmailThread.objects.get()
    assert thread.provider == "imap" and parsed(smtp.received[0][2])["In-Reply-To"] == "<i1@mail.example.org>"


@pytest.mark.django_db
def test_a_handoff_notice_and_the_agents_reply_go_out_by_smtp_in_the_thread(bot, smtp, agent, django_capture_on_commit_callbacks):
    from conversations.services.agents import agent_message_post

    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        body = client.post(MAILGUN, mailgun_form(text="I want to talk to a human please", message_id="<h1@mail.example.org>"),
                           format="multipart").json()
    notice = parsed(smtp.received[0][2])
    assert Message.objects.get(pk=body["reply"]).handoff_reason and notice["In-Reply-To"] == "<h1@mail.example.org>"
    conversation = Conversation.objects.get(public_id=body["conversation"])
    with django_capture_on_commit_callbacks(execute=True):
        agent_message_post(conversation=conversation, agent=agent, text="Hello Olga, Alice here: your card left on Monday.")
    assert len(smtp.received) == 2  # the "agent joined" system notice is not mailed; the agent's reply is
    sent = parsed(smtp.received[1][2])
    assert "Alice here" in sent.get_content() and sent["In-Reply-To"] == "<h1@mail.example.org>"
    assert sent["References"].split() == ["<h1@mail.example.org>", notice["Message-ID"]]


@pytest.mark.django_db
def test_a_mail_without_text_is_refused_with_the_code_that_stops_the_providers_retries(bot):
    form = mailgun_form(text="", message_id="<empty@mail.example.org>")
    form["body-plain"] = "> only a quoted line"
    refused = APIClient().post(MAILGUN, form, format="multipart")
    assert refused.status_code == 406 and refused.json()["error"]["code"] == "invalid_email"  # Mailgun: not retried
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic cG9zdG1hcms6czNjcmV0LWluYm91bmQ=")
    payload = {**postmark_payload(text="", message_id="<pe@mail.example.org>"), "TextBody": "", "HtmlBody": ""}
    refused = client.post(POSTMARK, payload, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "invalid_email"  # Postmark: not retried
    assert not Conversation.objects.exists()


def test_what_a_database_cannot_hold_is_cleaned_from_an_inbound_mail():
    from connectors.email.parsing import from_postmark

    mail = from_postmark({"FromFull": {"Email": CUSTOMER}, "Subject": "card \ud800 late\x00", "TextBody": "where is it\x00 \udfff",
                          "Headers": [{"Name": "Message-ID", "Value": "<" + "x" * 300 + "@long.example>"}]})
    assert "\x00" not in mail.subject + mail.text and mail.subject.encode() and mail.text.encode()
    assert mail.message_id.endswith("@inbound.invalid>")  # too long for the thread's record: a hash of the mail instead
