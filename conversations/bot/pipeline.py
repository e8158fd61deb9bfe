"""The message pipeline seam: anonymize -> classify -> retrieve -> respond.

Later capabilities provide the steps. When a step is missing (a fresh install has no
active model) the pipeline hands the conversation to a person; it never invents an answer.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class HandoffReason(enum.StrEnum):
    NO_MODEL = "no_model"
    OUT_OF_SCOPE = "out_of_scope"
    LOW_CONFIDENCE = "low_confidence"
    CUSTOMER_REQUEST = "customer_request"
    NOTHING_RELEVANT = "nothing_relevant"
    ERROR = "error"


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
class Turn:
    role: str
    text: str


@dataclass(frozen=True)
class Classification:
    intent: str | None
    confidence: float | None
    out_of_scope: bool
    model_version: int | None = None


@dataclass(frozen=True)
class Source:
    article_id: int
    title: str
    url: str
    score: float
    passage: str = ""
    number: int | None = None  # the [n] the reply cites it by

    def as_json(self) -> dict:
        data = {"id": self.article_id, "title": self.title, "url": self.url, "score": round(self.score, 4)}
        return data if self.number is None else data | {"n": self.number}


_CITATION = re.compile(r"\[\s*(\d{1,2}(?:\s*,\s*\d{1,2})*)\s*\]")


def cited_sources(text: str, sources: list[Source]) -> list[Source]:
    """The sources a reply cites by [n] (1-based, first appearance first), numbered as cited.

    A reply that cites nothing keeps every passage it was given, so the customer still sees them.
    """
    seen: list[int] = []
    for match in _CITATION.finditer(text):
        for n in (int(x) for x in match.group(1).split(",")):
            if 1 <= n <= len(sources) and n not in seen:
                seen.append(n)
    if not seen:
        return list(sources)
    return [dataclasses.replace(sources[n - 1], number=n) for n in seen]


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
    ) -> Iterator[str]: ...

    # Optional: ``is_handoff(reply: str) -> bool`` says a finished reply gave up and passes the customer on.


@dataclass
class Decision:
    """What the bot does with one customer message."""

    classification: Classification | None = None
    handoff_reason: HandoffReason | None = None
    sources: list[Source] = field(default_factory=list)
    chunks: Iterator[str] = field(default_factory=lambda: iter(()))
    model_versions: dict[str, int] = field(default_factory=dict)
    # Set once the streamed reply is complete: the responder itself said it cannot answer.
    handoff_after_reply: bool = False

    @property
    def handoff_text(self) -> str:
        assert self.handoff_reason is not None
        return handoff_text(self.handoff_reason)


@dataclass
class Pipeline:
    classifier: Classifier | None = None
    retriever: Retriever | None = None
    responder: Responder | None = None
    human_intents: frozenset[str] = frozenset()

    def decide(self, *, text: str, history: list[Turn]) -> Decision:
        decision = Decision()
        if self.classifier is None:
            decision.handoff_reason = HandoffReason.NO_MODEL
            return decision
        classification = self.classifier.classify(text)
        decision.classification = classification
        decision.model_versions["intent"] = self.classifier.version
        if classification.intent in self.human_intents:
            decision.handoff_reason = HandoffReason.CUSTOMER_REQUEST
        elif classification.out_of_scope:
            # Below the calibrated threshold on an intent we know is low confidence; no intent at all is out of scope.
            decision.handoff_reason = HandoffReason.LOW_CONFIDENCE if classification.intent else HandoffReason.OUT_OF_SCOPE
        elif self.retriever is None or self.responder is None:
            decision.handoff_reason = HandoffReason.NO_MODEL
        if decision.handoff_reason is not None:
            return decision
        decision.sources = self.retriever.retrieve(text=text, history=history, intent=classification.intent)
        decision.model_versions["retrieval_index"] = self.retriever.version
        if not decision.sources:
            decision.handoff_reason = HandoffReason.NOTHING_RELEVANT
            return decision
        decision.model_versions["responder"] = self.responder.version
        chunks = self.responder.generate(text=text, history=history, classification=classification, sources=decision.sources)
        decision.chunks = self._finish_reply(chunks, decision)
        return decision

    def _finish_reply(self, chunks: Iterator[str], decision: Decision) -> Iterator[str]:
        """Stream the chunks; afterwards keep the cited sources and note a reply that gives up."""
        parts = []
        for chunk in chunks:
            parts.append(chunk)
            yield chunk
        reply = "".join(parts)
        decision.sources = cited_sources(reply, decision.sources)
        is_handoff = getattr(self.responder, "is_handoff", None)
        decision.handoff_after_reply = bool(is_handoff and is_handoff(reply))


def pipeline_load() -> Pipeline:
    """The pipeline made of the active model versions (provider set by CHAT_PIPELINE_PROVIDER)."""
    provider = import_string(settings.CHAT_PIPELINE_PROVIDER)
    return provider()
