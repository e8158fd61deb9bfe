"""The bot's action step (BOT_ACTIONS_PROVIDER names ``provider``): consulted after classification, before retrieval.

A conversation waiting for a parameter answers the question first, whatever its message is classified as
(except a request for a person, which the pipeline handles before this step). Otherwise a predicted intent
with an active action starts one: values the message already holds (matched by each parameter's pattern)
are kept, the first missing one is asked for, and with all of them the endpoint is called.

Values are matched against the message's original text (placeholders revealed from the vault for that
moment) and kept as the conversation stores them (placeholders); the call gets the originals.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from conversations.bot.pipeline import ActionReply, Classification
from conversations.models import Conversation
from integrations.actions.services import action_call
from integrations.actions.vaulted import conceal, reveal
from integrations.models import ActionSession, BotAction

# Questions asked again after an answer that does not fit, before the step lets the message go on to the
# knowledge base (the customer may have moved on).
MAX_RETRIES = 2
# A question older than this is forgotten: a later message is a new request.
SESSION_TTL = timedelta(minutes=30)
# (A hand-off after the question forgets it too.)
RETRY_PREFIX = "Sorry, that doesn't look right. "


def _match(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    if found is None:
        return None
    value = found.groupdict().get("value") or found.group(0)
    return value.strip() or None


def _handed_off_since(session: ActionSession) -> bool:
    """People had the conversation after the question was asked: back with the bot, it is a new request."""
    return Conversation.objects.filter(pk=session.conversation_id, escalated_at__gt=session.updated_at).exists()


def _missing(action: BotAction, values: dict[str, str]) -> dict[str, str] | None:
    return next((spec for spec in action.parameters if spec["name"] not in values), None)


class BotActions:
    def respond(self, *, conversation: Conversation, text: str, classification: Classification) -> ActionReply | None:
        session = ActionSession.objects.select_related("action").filter(conversation=conversation).first()
        if session is not None:
            if session.action.is_active and session.updated_at >= timezone.now() - SESSION_TTL and not _handed_off_since(session):
                return self._answer(session, conversation=conversation, text=text)
            session.delete()
        if classification.out_of_scope or not classification.intent:
            return None
        action = BotAction.objects.filter(intent__name=classification.intent, is_active=True).first()
        if action is None:
            return None
        original = reveal(text, conversation=conversation)
        values = {}
        for spec in action.parameters:
            value = _match(spec["pattern"], original)
            if value is not None:
                values[spec["name"]] = conceal(value, conversation=conversation)
        return self._next(action, conversation=conversation, values=values, session=None)

    def _answer(self, session: ActionSession, *, conversation: Conversation, text: str) -> ActionReply | None:
        action = session.action
        spec = next((p for p in action.parameters if p["name"] == session.awaiting), None)
        value = _match(spec["pattern"], reveal(text, conversation=conversation)) if spec else None
        if value is None:
            if spec is None or session.retries >= MAX_RETRIES:
                session.delete()
                return None
            session.retries += 1
            session.save(update_fields=["retries", "updated_at"])
            return ActionReply(text=RETRY_PREFIX + spec["prompt"])
        values = {**session.values, spec["name"]: conceal(value, conversation=conversation)}
        return self._next(action, conversation=conversation, values=values, session=session)

    def _next(self, action: BotAction, *, conversation: Conversation, values: dict[str, str],
              session: ActionSession | None) -> ActionReply:
        spec = _missing(action, values)
        if spec is not None:
            with transaction.atomic():
                ActionSession.objects.update_or_create(
                    conversation=conversation,
                    defaults={"action": action, "values": values, "awaiting": spec["name"], "retries": 0})
            return ActionReply(text=spec["prompt"])
        if session is not None:
            session.delete()
        originals = {name: reveal(value, conversation=conversation) for name, value in values.items()}
        result = action_call(action=action, values=originals, conversation=conversation)
        if result.handoff_reason is not None:
            return ActionReply(handoff_reason=result.handoff_reason, handoff_message=action.fallback_text)
        return ActionReply(text=result.reply)


def provider() -> BotActions:
    return BotActions()
