"""Access rows for the connectors (issue 16, items 3-7): inbound e-mail, Chatwoot's agent-bot webhook, the
knowledge-base and transcript imports, and the Redoc page.

The providers' webhooks take no user credentials at all: each checks its provider's own proof (Mailgun's
signature, Postmark's basic auth, the secret in Chatwoot's outgoing URL), so every role without it is refused the
same way, a signed-in staff member included. Imports need the knowledge-base rights (staff, integrators) or
``connectors.import_transcripts``."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from connectors.models import ArticleImport
from tests.security.endpoints import Call

PUBLIC_PAGE = "http://93.184.215.14/help/cards.html"  # a public address literal; the queued task is never run here
IMPORTERS = (401, 403, 403, 403, 200, 200, 401, 401)

ROWS = {
    # (URL name, method)                     anon cust_a cust_b agent staff integ old_tok old_conv
    ("redoc", "GET"):                        (200, 200, 200, 200, 200, 200, 401, 401),
    ("email-inbound-mailgun", "POST"):       (403, 403, 403, 403, 403, 403, 403, 403),
    ("email-inbound-postmark", "POST"):      (401, 401, 401, 401, 401, 401, 401, 401),
    ("chatwoot-webhook", "POST"):            (403, 403, 403, 403, 403, 403, 403, 403),
    ("article-import-list", "POST"):         (401, 403, 403, 403, 202, 202, 401, 401),
    ("article-import-detail", "GET"):        IMPORTERS,
    ("transcript-import", "POST"):           (401, 403, 403, 403, 201, 201, 401, 401),
}


def _transcript() -> SimpleUploadedFile:
    return SimpleUploadedFile("history.csv", b"conversation_id,role,text,timestamp\n"
                                             b"c1,customer,When will my new card arrive?,2026-01-05T10:00:00Z\n"
                                             b"c1,agent,Your card arrives in 3-5 working days.,2026-01-05T10:02:00Z\n",
                              content_type="text/csv")


CALLS = {
    # An unsigned Mailgun form post (parsed, then refused for want of a signature).
    "email-inbound-mailgun": Call(bodies={"POST": "unsigned"}, multipart=True),
    "email-inbound-postmark": Call(bodies={"POST": {"From": "olga@example.org", "TextBody": "card?"}}),
    "chatwoot-webhook": Call(bodies={"POST": {"event": "message_created", "message_type": "incoming", "content": "card?", "id": 1,
                                              "conversation": {"id": 1, "status": "pending"}, "account": {"id": 1}}}),
    "article-import-list": Call(bodies={"POST": {"urls": [PUBLIC_PAGE]}}),
    "article-import-detail": Call({"pk": "article_import"}),
    "transcript-import": Call(bodies={"POST": _transcript}, multipart=True),
}


def make_objects(world) -> dict[str, object]:  # noqa: ANN001
    record = ArticleImport.objects.create(sources=[{"kind": "url", "name": PUBLIC_PAGE}], status=ArticleImport.Status.SUCCEEDED)
    return {"article_import": record.pk}
