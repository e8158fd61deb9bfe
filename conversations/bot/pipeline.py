"""The message pipeline seam: anonymize -> classify -> retrieve -> respond.

Later capabilities provide the steps. When a step is missing (a fresh install has no
active model) the pipeline hands the conversation to a person; it never invents an answer.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from conversations.bot.answerability import handoff_reason_for
from conversations.bot.types import Classification, Source, Turn
from conversations.models import HandoffReason

# The values and the stored reasons are declared below the seam; it re-exports them for its callers.
__all__ = ["ActionReply", "Classification", "HandoffReason", "Source", "Turn"]


class NoAnswer(Exception):
    """Raised by a responder, before it yields anything, when it has no answer it can stand behind:
    the pipeline then hands off with ``reason`` and the customer sees the polite hand-off text."""

    def __init__(self, reason: HandoffReason, detail: str = "") -> None:
        super().__init__(detail or reason.value)
        self.reason = reason


HANDOFF_MESSAGES: dict[HandoffReason, str] = {
    HandoffReason.CUSTOMER_REQUEST: "Of course. I'm connecting you with a member of our support team; they will reply here shortly.",
    HandoffReason.ERROR: "Sorry, something went wrong on our side. A member of our support team will pick this up shortly.",
}
DEFAULT_HANDOFF_MESSAGE = (
    "Thanks for your message. I'm passing you to a member of our support team, who will reply here shortly."
)


def handoff_text(reason: HandoffReason) -> str:
    return HANDOFF_MESSAGES.get(reason, DEFAULT_HANDOFF_MESSAGE)


@dataclass(frozen=True)
class TierChange:
    """Yielded by a responder, before the text it concerns, when another tier writes the reply (the
    generative tier falling back to the extractive answer); never shown, stored as Message.answer_tier."""

    tier: str


_CITATION = re.compile(r"\[\s*(\d{1,2}(?:\s*,\s*\d{1,2})*)\s*\]")


def cited_sources(text: str, sources: list[Source]) -> list[Source]:
    """The sources a reply cites by [n] (1-based, first appearance first), numbered as cited.

    A reply that cites nothing shows no sources: a passage it did not use is not its source.
    """
    seen: list[int] = []
    for match in _CITATION.finditer(text):
        for n in (int(x) for x in match.group(1).split(",")):
            if 1 <= n <= len(sources) and n not in seen:
                seen.append(n)
    return [dataclasses.replace(sources[n - 1], number=n) for n in seen]


@dataclass(frozen=True)
class ActionReply:
    """What a bot action (integrations, through the ``actions`` step) says instead of the knowledge base: a
    question for a missing parameter or the filled reply template (``text``), or a hand-off with its
    ``handoff_reason`` (``handoff_message``, when set, replaces the standard hand-off text)."""

    text: str = ""
    handoff_reason: HandoffReason | None = None
    handoff_message: str = ""


class Actions(Protocol):
    # None: no action concerns this message, the pipeline goes on to retrieval.
    def respond(self, *, conversation: object, text: str, classification: Classification) -> ActionReply | None: ...


class Classifier(Protocol):
    version: int

    def classify(self, text: str) -> Classification: ...


class Retriever(Protocol):
    version: int

    def retrieve(self, *, text: str, history: list[Turn], intent: str | None) -> list[Source]: ...


class Responder(Protocol):
    version: int

    def generate(
        self, *, text: str, history: list[Turn], classification: Classification, sources: list[Source]
    ) -> Iterator[str | TierChange]: ...

    # ``generate`` raises NoAnswer (before yielding) when it cannot answer: the pipeline hands off with its reason.
    # Optional: ``sources_for(sources) -> sources`` gives the passages the responder answers from (the extractive
    # tier widens each retrieved passage to its whole article), which the reply's [n] then refer to;
    # ``tier: str`` names the answer tier it serves (stored on the reply as Message.answer_tier); a
    # ``version`` of None (the extractive tier: no responder model) records no responder version;
    # ``is_handoff(reply: str) -> bool`` says a finished reply that was shown gave up and passes the customer on.


@dataclass
class Decision:
    """What the bot does with one customer message."""

    classification: Classification | None = None
    handoff_reason: HandoffReason | None = None
    sources: list[Source] = field(default_factory=list)
    chunks: Iterator[str] = field(default_factory=lambda: iter(()))
    model_versions: dict[str, int] = field(default_factory=dict)
    # Set once the streamed reply is complete: the responder itself said it cannot answer (when it said so
    # before yielding anything, ``handoff_reason`` is set too and nothing of the reply was shown).
    handoff_after_reply: bool = False
    tier: str = ""  # which answer tier wrote the reply (the responder's ``tier``; "action" for a bot action)
    handoff_message: str = ""  # said instead of the standard hand-off text (a bot action's fallback)

    @property
    def handoff_text(self) -> str:
        assert self.handoff_reason is not None
        return self.handoff_message or handoff_text(self.handoff_reason)


@dataclass
class Pipeline:
    classifier: Classifier | None = None
    retriever: Retriever | None = None
    responder: Responder | None = None
    human_intents: frozenset[str] = frozenset()
    # Bot actions (BOT_ACTIONS_PROVIDER): asked after classification, before retrieval, when the caller
    # names the conversation (slot state is kept per conversation).
    actions: Actions | None = None

    def decide(self, *, text: str, history: list[Turn], conversation: object | None = None) -> Decision:
        decision = Decision()
        if self.classifier is None:
            decision.handoff_reason = HandoffReason.NO_MODEL
            return decision
        classification = self.classifier.classify(text)
        decision.classification = classification
        decision.model_versions["intent"] = self.classifier.version
        if classification.intent in self.human_intents:
            decision.handoff_reason = HandoffReason.CUSTOMER_REQUEST
            return decision
        if self.actions is not None and conversation is not None:
            acted = self.actions.respond(conversation=conversation, text=text, classification=classification)
            if acted is not None:
                if acted.handoff_reason is not None:
                    decision.handoff_reason, decision.handoff_message = acted.handoff_reason, acted.handoff_message
                else:
                    decision.chunks, decision.tier = iter([acted.text]), "action"
                return decision
        if self.retriever is None or self.responder is None:
            decision.handoff_reason = HandoffReason.NO_MODEL
            return decision
        decision.sources = self.retriever.retrieve(text=text, history=history, intent=classification.intent)
        decision.model_versions["retrieval_index"] = self.retriever.version
        decision.handoff_reason = handoff_reason_for(classification=classification, sources=decision.sources)
        if decision.handoff_reason is not None:
            decision.sources = []
            return decision
        if getattr(self.responder, "version", None) is not None:
            decision.model_versions["responder"] = self.responder.version
        decision.tier = getattr(self.responder, "tier", "")
        sources_for = getattr(self.responder, "sources_for", None)
        if sources_for is not None:
            decision.sources = sources_for(decision.sources)
        chunks = self.responder.generate(text=text, history=history, classification=classification, sources=decision.sources)
        decision.chunks = self._finish_reply(chunks, decision)
        return decision

    def _finish_reply(self, chunks: Iterator[str | TierChange], decision: Decision) -> Iterator[str]:
        """Stream the chunks; afterwards keep the cited sources and note a reply that gives up."""
        parts = []
        try:
            for chunk in chunks:
                if isinstance(chunk, TierChange):
                    decision.tier = chunk.tier
                    continue
                parts.append(chunk)
                yield chunk
        except NoAnswer as gave_up:
            if "".join(parts).strip():
                raise
            decision.handoff_reason, decision.handoff_after_reply, decision.sources = gave_up.reason, True, []
            return
        reply = "".join(parts)
        decision.sources = cited_sources(reply, decision.sources)
        is_handoff = getattr(self.responder, "is_handoff", None)
        decision.handoff_after_reply = bool(is_handoff and is_handoff(reply))


def pipeline_load() -> Pipeline:
    """The pipeline made of the active model versions (provider set by CHAT_PIPELINE_PROVIDER)."""
    provider = import_string(settings.CHAT_PIPELINE_PROVIDER)
    return provider()


def draft_pipeline_load() -> Pipeline:
    """The pipeline that drafts an agent's reply (CHAT_DRAFT_PIPELINE_PROVIDER; empty: the bot's own). The same
    steps and answer tiers as the bot's, except that a customer who asked for a person still gets a draft."""
    provider = import_string(settings.CHAT_DRAFT_PIPELINE_PROVIDER or settings.CHAT_PIPELINE_PROVIDER)
    return dataclasses.replace(provider(), human_intents=frozenset())
