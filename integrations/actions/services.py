"""Bot actions: define one (checked), and call one with a conversation's parameter values."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from conversations.models import Conversation, HandoffReason, Intent
from integrations.actions.templates import TemplateShapeError, reply_fill, url_fields, url_fill
from integrations.errors import IntegrationInvalid
from integrations.models import ActionCall, BotAction
from integrations.outbound import OutboundError, OutboundTimeout, outbound_request
from integrations.validation import outbound_url_clean

Outcome = ActionCall.Outcome
RESPONSE_LIMIT_BYTES = 256 * 1024
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def _parameters_clean(parameters: object) -> list[dict[str, str]]:
    if not isinstance(parameters, list):
        raise IntegrationInvalid("parameters must be a list.", code="invalid_parameters")
    clean, seen = [], set()
    for spec in parameters:
        if not isinstance(spec, dict) or set(spec) != {"name", "prompt", "pattern"}:
            raise IntegrationInvalid("Each parameter needs exactly a name, a prompt and a pattern.", code="invalid_parameters")
        name, prompt, pattern = (str(spec[k]).strip() for k in ("name", "prompt", "pattern"))
        if not _NAME.match(name) or name in seen:
            raise IntegrationInvalid(f"Parameter name {name!r} must be unique, lower-case letters, digits and _.",
                                     code="invalid_parameters")
        if not prompt:
            raise IntegrationInvalid(f"Parameter {name!r} needs a prompt (the question the bot asks).", code="invalid_parameters")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise IntegrationInvalid(f"Parameter {name!r}: the pattern is not a valid regular expression ({exc}).",
                                     code="invalid_parameters") from None
        seen.add(name)
        clean.append({"name": name, "prompt": prompt, "pattern": pattern})
    return clean


def _headers_clean(headers: object) -> dict[str, str]:
    if not isinstance(headers, dict):
        raise IntegrationInvalid("headers must map header names to secret names.", code="invalid_headers")
    unknown = sorted(str(v) for v in headers.values() if str(v) not in settings.ACTION_SECRETS)
    if unknown:
        raise IntegrationInvalid(f"Not in ACTION_SECRETS: {', '.join(unknown)} (headers name secrets, they never hold values).",
                                 code="invalid_headers")
    return {str(k): str(v) for k, v in headers.items()}


def bot_action_save(
    *, intent: str, name: str, url_template: str, reply_template: str, method: str = BotAction.Method.GET,
    headers: dict | None = None, parameters: list | None = None, fallback_text: str = "", is_active: bool = True,
    action: BotAction | None = None,
) -> BotAction:
    """Create (``action`` None) or replace the definition of a bot action, after checking every part of it."""
    intent_row = Intent.objects.filter(name=intent).first()
    if intent_row is None:
        raise IntegrationInvalid(f"No intent named {intent!r}.", code="unknown_intent")
    taken = BotAction.objects.filter(intent=intent_row).exclude(pk=getattr(action, "pk", None))
    if taken.exists():
        raise IntegrationInvalid(f"Intent {intent!r} already has an action.", code="intent_taken")
    if method not in BotAction.Method.values:
        raise IntegrationInvalid(f"method must be one of {', '.join(BotAction.Method.values)}.", code="invalid_method")
    clean_parameters = _parameters_clean(parameters or [])
    names = {p["name"] for p in clean_parameters}
    missing = sorted(set(url_fields(url_template)) - names)
    if missing:
        raise IntegrationInvalid(f"The URL template uses {', '.join(missing)}, which no parameter provides.", code="invalid_url")
    outbound_url_clean(url_fill(url_template, dict.fromkeys(names, "x")))
    if not (reply_template or "").strip():
        raise IntegrationInvalid("reply_template must not be empty.", code="invalid_reply_template")
    action = action or BotAction()
    action.intent, action.name, action.method, action.url_template = intent_row, name.strip()[:100], method, url_template.strip()
    action.headers, action.parameters = _headers_clean(headers or {}), clean_parameters
    action.reply_template, action.fallback_text, action.is_active = reply_template.strip(), fallback_text.strip(), is_active
    with transaction.atomic():
        action.save()
        # A changed definition starts every waiting conversation over.
        action.sessions.all().delete()
    return action


@dataclass(frozen=True)
class CallResult:
    reply: str = ""
    handoff_reason: HandoffReason | None = None


_REASONS = {Outcome.FAILED: HandoffReason.ACTION_FAILED, Outcome.TIMEOUT: HandoffReason.ACTION_TIMEOUT,
            Outcome.BAD_RESPONSE: HandoffReason.ACTION_BAD_RESPONSE}


def action_call(*, action: BotAction, values: dict[str, str], conversation: Conversation | None) -> CallResult:
    """Call the endpoint with ``values`` (originals, for this call only) and fill the reply template.

    Every call is recorded (ActionCall: outcome, status, latency, and why it failed, never the values)."""
    started = time.monotonic()
    status_code, outcome, detail, reply = None, Outcome.ANSWERED, "", ""
    try:
        headers = {"Accept": "application/json"}
        for header, secret_name in (action.headers or {}).items():
            if secret_name not in settings.ACTION_SECRETS:
                raise _Failed(Outcome.FAILED, f"secret {secret_name!r} is not configured (ACTION_SECRETS)")
            headers[header] = settings.ACTION_SECRETS[secret_name]
        body = None
        if action.method != BotAction.Method.GET:
            headers["Content-Type"] = "application/json"
            body = json.dumps(values).encode()
        response = outbound_request(method=action.method, url=url_fill(action.url_template, values), headers=headers,
                                    body=body, timeout_s=settings.ACTION_TIMEOUT_S, max_bytes=RESPONSE_LIMIT_BYTES)
        status_code = response.status
        if not response.ok:
            raise _Failed(Outcome.FAILED, f"HTTP {response.status}")
        try:
            data = response.json()
        except ValueError:
            raise _Failed(Outcome.BAD_RESPONSE, "the answer is not JSON") from None
        try:
            reply = reply_fill(action.reply_template, data)
        except TemplateShapeError as exc:
            raise _Failed(Outcome.BAD_RESPONSE, str(exc)) from None
    except OutboundTimeout as exc:
        outcome, detail = Outcome.TIMEOUT, str(exc)
    except OutboundError as exc:
        outcome, detail = Outcome.FAILED, f"{type(exc).__name__}: {exc}"
    except _Failed as failed:
        outcome, detail = failed.outcome, failed.detail
    ActionCall.objects.create(action=action, conversation=conversation, outcome=outcome, status_code=status_code,
                              latency_ms=int((time.monotonic() - started) * 1000), detail=detail[:1000])
    if outcome != Outcome.ANSWERED:
        return CallResult(handoff_reason=_REASONS[outcome])
    return CallResult(reply=reply)


class _Failed(Exception):
    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome, self.detail = outcome, detail
