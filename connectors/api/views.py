"""The connectors' HTTP doors: inbound e-mail (Mailgun, Postmark), Chatwoot's agent-bot webhook, and the
knowledge-base and transcript imports. Each checks who is calling, then calls one service."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, status
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors.api import serializers as s
from connectors.chatwoot.bot import chatwoot_event_receive, ignored_reason
from connectors.email.auth import mailgun_post_authentic, postmark_post_authentic
from connectors.email.inbound import email_receive
from connectors.email.parsing import EmailParseError, from_mailgun, from_postmark
from connectors.kb.service import article_import_create, article_import_execute, source_entries, upload_documents
from connectors.models import ArticleImport
from connectors.tasks import article_import_task
from connectors.transcripts import transcripts_import
from conversations.api.permissions import HasPerm
from conversations.api.serializers import ErrorEnvelope
from conversations.errors import ChatError
from conversations.services.messages import Exchange


class UnusableEmail(ChatError):
    """A mail that can never become a message (no sender, no text): answered with the code that stops the provider's
    retries (Mailgun: 406 Not Acceptable; Postmark: 403)."""

    code = "invalid_email"

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


ERRORS = {400: OpenApiResponse(ErrorEnvelope, description="Invalid input"),
          401: OpenApiResponse(ErrorEnvelope, description="Not authenticated"),
          403: OpenApiResponse(ErrorEnvelope, description="Not allowed (for webhooks: the provider's signature or secret is wrong)"),
          404: OpenApiResponse(ErrorEnvelope, description="Not found"),
          406: OpenApiResponse(ErrorEnvelope, description="A mail with no sender or no text (Mailgun does not retry it)")}
IMPORT_ARTICLES = ["conversations.add_knowledgearticle", "conversations.change_knowledgearticle"]


def _errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}


def _received(exchange: Exchange) -> Response:
    body = {"conversation": exchange.message.conversation.public_id, "message": exchange.message.pk,
            "reply": exchange.reply.pk if exchange.reply else None, "status": exchange.status}
    return Response(s.ReceivedOut(body).data, status=status.HTTP_200_OK)


class _Webhook(APIView):
    """A provider's post: no user, no session (so no CSRF); the provider's own proof is checked in the view."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class MailgunInbound(_Webhook):
    parser_classes = [parsers.FormParser, parsers.MultiPartParser]

    @extend_schema(summary="Inbound e-mail from a Mailgun route (forward(), fully parsed, signed)", request=None,
                   responses={200: s.ReceivedOut, **_errors(403, 406)}, auth=[])
    def post(self, request: Request) -> Response:
        form = request.data
        if not mailgun_post_authentic(timestamp=form.get("timestamp"), token=form.get("token"), signature=form.get("signature")):
            raise PermissionDenied("The Mailgun signature is missing, wrong or too old.")
        try:
            mail = from_mailgun({k: form.get(k) for k in form if isinstance(form.get(k), str)})
        except EmailParseError as exc:
            raise UnusableEmail(str(exc), status=status.HTTP_406_NOT_ACCEPTABLE) from None
        return _received(email_receive(mail=mail))


class PostmarkInbound(_Webhook):
    parser_classes = [parsers.JSONParser]

    @extend_schema(summary="Inbound e-mail from Postmark's inbound webhook (basic auth in the webhook URL)", request=None,
                   responses={200: s.ReceivedOut, **_errors(400, 401, 403)}, auth=[])
    def post(self, request: Request) -> Response:
        if not postmark_post_authentic(authorization=request.headers.get("Authorization")):
            raise AuthenticationFailed("Postmark's basic-auth credentials are missing or wrong.")
        try:
            mail = from_postmark(request.data)
        except EmailParseError as exc:
            raise UnusableEmail(str(exc), status=status.HTTP_403_FORBIDDEN) from None
        return _received(email_receive(mail=mail))

    def get_authenticate_header(self, request: Request) -> str:
        return 'Basic realm="postmark-inbound"'


class ChatwootWebhook(_Webhook):
    parser_classes = [parsers.JSONParser]

    @extend_schema(summary="Chatwoot agent-bot webhook (message_created); the secret is in the bot's outgoing URL",
                   parameters=[OpenApiParameter("secret", str, required=True, description="CHATWOOT_WEBHOOK_SECRET")],
                   request=None, responses={200: s.ReceivedOut, 202: s.IgnoredOut, **_errors(400, 403)}, auth=[])
    def post(self, request: Request) -> Response:
        secret, given = settings.CHATWOOT_WEBHOOK_SECRET, request.query_params.get("secret", "")
        if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
            raise PermissionDenied("The Chatwoot webhook secret is missing or wrong.")
        payload = request.data
        exchange = chatwoot_event_receive(payload=payload)
        if exchange is None:
            reason = ignored_reason(payload) if isinstance(payload, dict) else "not an event"
            return Response({"ignored": reason}, status=status.HTTP_202_ACCEPTED)
        return _received(exchange)


class ArticleImportList(APIView):
    permission_classes = [HasPerm(p) for p in IMPORT_ARTICLES]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    @extend_schema(summary="Import knowledge articles: files at once (201), or URLs / a sitemap by a Celery task (202)",
                   request={"multipart/form-data": s.ArticleImportIn, "application/json": s.ArticleImportIn},
                   responses={201: s.ArticleImportOut, 202: s.ArticleImportOut, **_errors(400, 401, 403)})
    def post(self, request: Request) -> Response:
        data = s.ArticleImportIn(data=request.data)
        data.is_valid(raise_exception=True)
        files, urls, sitemap = data.validated_data["files"], data.validated_data["urls"], data.validated_data["sitemap"]
        if files:
            uploads = upload_documents([(f.name, f.read(), f.content_type) for f in files])
            record = article_import_create(entries=[{"kind": "upload", "name": d.name} for d in uploads], user=request.user)
            article_import_execute(record=record, uploads=uploads)
            return Response(s.ArticleImportOut(record).data, status=status.HTTP_201_CREATED)
        with transaction.atomic():
            record = article_import_create(entries=source_entries(paths_or_urls=urls, sitemap=sitemap), user=request.user)
            transaction.on_commit(lambda: article_import_task.delay(record.pk))
        return Response(s.ArticleImportOut(record).data, status=status.HTTP_202_ACCEPTED)


class ArticleImportDetail(APIView):
    permission_classes = [HasPerm(p) for p in IMPORT_ARTICLES]

    @extend_schema(summary="An article import: its status, counts and each failed source", responses={200: s.ArticleImportOut, **_errors(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.ArticleImportOut(get_object_or_404(ArticleImport, pk=pk)).data)


class TranscriptImport(APIView):
    permission_classes = [HasPerm("connectors.import_transcripts")]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(summary="Import historical conversations (CSV or JSONL; all or nothing, errors by line)",
                   request={"multipart/form-data": s.TranscriptImportIn}, responses={201: s.TranscriptImportOut, **_errors(400, 401, 403)})
    def post(self, request: Request) -> Response:
        data = s.TranscriptImportIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        result = transcripts_import(name=upload.name, data=upload.read(), user=request.user)
        return Response(s.TranscriptImportOut(result).data, status=status.HTTP_201_CREATED)


