"""The copilot: a reply drafted for the agent who has a conversation, and what the agent did with it.

The draft answers the customer's latest message with the same pipeline steps and answer tiers as the
bot (bot/pipeline.py ``draft_pipeline_load``), reading the whole conversation as its history. It is
built from the stored, anonymized text, so it shows placeholders, and it passes the same scrubber
as a bot reply. Each draft is stored (DraftSuggestion) and later settled: sent unchanged, edited
(the agent sent it after changing it) or discarded (a new draft, a reply written without it, or the
conversation closed). Admin shows the rates per model version.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from conversations.bot.pipeline import Decision, HandoffReason, Turn, draft_pipeline_load
from conversations.errors import ChatError, InvalidTransition
from conversations.models import Conversation, DraftSuggestion, Message
from conversations.services.messages import reply_scrubber

logger = logging.getLogger(__name__)
Outcome = DraftSuggestion.Outcome
Role = Message.Role


class NothingToDraft(ChatError):
    code = "nothing_to_draft"
    status = 409


class DraftNotFound(ChatError):
    code = "not_found"
    status = 404


@dataclass(frozen=True)
class DraftResult:
    """A stored draft, or (``draft`` None) why there is none: ``reason`` a hand-off reason the pipeline
    gave (nothing grounded to say), or "cancelled"."""

    draft: DraftSuggestion | None
    reason: str = ""

    @property
    def message(self) -> str:
        if self.draft is not None:
            return ""
        if self.reason == "cancelled":
            return "Drafting was cancelled."
        label = HandoffReason(self.reason).label if self.reason in HandoffReason.values else self.reason
        return f"No grounded draft for this message ({str(label).lower()}); write the reply yourself."


def _drafting_allowed(conversation: Conversation, agent: AbstractBaseUser) -> Message:
    """The customer message to draft for; refuses when the agent does not have the conversation."""
    conversation.refresh_from_db(fields=["status", "assigned_agent"])
    if conversation.status != Conversation.Status.WITH_AGENT:
        raise InvalidTransition("Drafts are for conversations an agent has taken; join it first.")
    if conversation.assigned_agent_id != agent.pk:
        raise InvalidTransition("Another agent has this conversation.", code="not_assigned")
    latest = conversation.messages.filter(role=Role.CUSTOMER).order_by("-id").first()
    if latest is None:
        raise NothingToDraft("The customer has not written anything to answer yet.")
    return latest


def _history(conversation: Conversation, before: Message) -> list[Turn]:
    rows = (conversation.messages.filter(id__lt=before.id).exclude(role=Role.SYSTEM).order_by("-id")
            .values_list("role", "text")[: settings.DRAFT_HISTORY_TURNS])
    return [Turn(role=role, text=text) for role, text in reversed(rows)]


def _discard_pending(conversation: Conversation) -> int:
    return (DraftSuggestion.objects.filter(conversation=conversation, outcome=Outcome.PENDING)
            .update(outcome=Outcome.DISCARDED, decided_at=timezone.now()))


def draft_create(*, conversation: Conversation, agent: AbstractBaseUser, on_token: Callable[[str], None] | None = None,
                 cancelled: threading.Event | None = None) -> DraftResult:
    """Draft a reply to the customer's latest message for the agent who has the conversation.

    Runs the pipeline (call it off the event loop); each released piece goes to ``on_token``. When
    ``cancelled`` is set the drafting stops at the next piece and the partial draft is stored as discarded.
    A new draft discards the conversation's pending one.
    """
    for_message = _drafting_allowed(conversation, agent)
    _discard_pending(conversation)
    try:
        decision = draft_pipeline_load().decide(text=for_message.text, history=_history(conversation, for_message))
        text, was_cancelled = ("", False) if decision.handoff_reason else _collect(decision, conversation, on_token, cancelled)
    except Exception:
        logger.exception("Drafting failed for conversation %s", conversation.public_id)
        decision, text, was_cancelled = Decision(handoff_reason=HandoffReason.ERROR), "", False
    if decision.handoff_reason or (not text.strip() and not was_cancelled):
        return DraftResult(draft=None, reason=str(decision.handoff_reason or HandoffReason.ERROR))
    draft = DraftSuggestion.objects.create(
        conversation=conversation, for_message=for_message, agent=agent, text=text,
        sources=[s.as_json() for s in decision.sources], model_versions=decision.model_versions, answer_tier=decision.tier,
        outcome=Outcome.DISCARDED if was_cancelled else Outcome.PENDING,
        decided_at=timezone.now() if was_cancelled else None,
    )
    return DraftResult(draft=draft, reason="cancelled" if was_cancelled else "")


def _collect(decision: Decision, conversation: Conversation, on_token: Callable[[str], None] | None,
             cancelled: threading.Event | None) -> tuple[str, bool]:
    scrubber = reply_scrubber(conversation=conversation)
    chunks = decision.chunks
    try:
        for chunk in itertools.chain(chunks, [None]):
            if cancelled is not None and cancelled.is_set():
                return scrubber.text, True
            safe = scrubber.finish() if chunk is None else scrubber.feed(chunk)
            if safe and on_token is not None:
                on_token(safe)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return scrubber.text, False


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def draft_settle_on_reply(*, conversation: Conversation, message: Message, draft_id: int | None = None) -> DraftSuggestion | None:
    """An agent sent ``message``: settle the conversation's pending draft by comparing the sent text to it.

    Sent from the draft (``draft_id`` given: the agent inserted it) -> sent unchanged, or edited when the
    text differs; a reply written without the draft -> sent unchanged when it is the draft's text all the
    same, else the draft was discarded. Called inside the reply's transaction (services/agents.py).
    """
    pending = DraftSuggestion.objects.select_for_update().filter(conversation=conversation, outcome=Outcome.PENDING).order_by("-id")
    draft = pending.first()
    if draft is None:
        return None
    if _same_text(message.text, draft.text):
        outcome = Outcome.SENT_UNCHANGED
    else:
        outcome = Outcome.EDITED if draft_id == draft.pk else Outcome.DISCARDED
    draft.outcome, draft.decided_at = outcome, timezone.now()
    draft.sent_message = message if outcome != Outcome.DISCARDED else None
    draft.save(update_fields=["outcome", "decided_at", "sent_message"])
    _discard_pending(conversation)  # an older one left pending by a race
    return draft


def drafts_discard_on_close(*, conversation: Conversation) -> int:
    """The conversation closed: its pending drafts were not used."""
    return _discard_pending(conversation)


def draft_discard(*, draft_id: int, agent: AbstractBaseUser) -> DraftSuggestion:
    """The agent dismissed a draft in the console."""
    with transaction.atomic():
        draft = DraftSuggestion.objects.select_for_update().filter(pk=draft_id, agent=agent).first()
        if draft is None:
            raise DraftNotFound("No draft of yours has this id.")
        if draft.outcome == Outcome.PENDING:
            draft.outcome, draft.decided_at = Outcome.DISCARDED, timezone.now()
            draft.save(update_fields=["outcome", "decided_at"])
    return draft
