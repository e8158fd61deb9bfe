"""Small deterministic implementations of the pipeline seams (Classifier, Retriever, Responder).

Plug them in with the ``pipeline`` fixture, which points CHAT_PIPELINE_PROVIDER at ``provider``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field

from conversations.bot.pipeline import Classification, Pipeline, Source, Turn
from conversations.models import Intent

PROVIDER = "tests.conversations.fakes.provider"

# The pipeline the provider hands out; set by the ``pipeline`` fixture.
current: Pipeline | None = None


def provider() -> Pipeline:
    """Like training.serving.pipeline.pipeline_components: human intents come from the database."""
    assert current is not None, "install a pipeline with the `pipeline` fixture first"
    human = frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    return dataclasses.replace(current, human_intents=human)


@dataclass
class KeywordClassifier:
    """The first rule whose keyword occurs in the text wins; anything else is out of scope."""

    rules: dict[str, tuple[str, float]]
    version: int = 7
    seen: list[str] = field(default_factory=list)

    def classify(self, text: str) -> Classification:
        self.seen.append(text)
        lowered = text.lower()
        for keyword, (intent, confidence) in self.rules.items():
            if keyword in lowered:
                return Classification(intent=intent, confidence=confidence, out_of_scope=False, model_version=self.version)
        return Classification(intent=None, confidence=0.12, out_of_scope=True, model_version=self.version)


@dataclass
class IntentRetriever:
    """Returns fixed sources for some intents and nothing for the others."""

    by_intent: dict[str, list[Source]]
    version: int = 4
    calls: list[dict] = field(default_factory=list)

    def retrieve(self, *, text: str, history: list[Turn], intent: str | None) -> list[Source]:
        self.calls.append({"text": text, "history": list(history), "intent": intent})
        return list(self.by_intent.get(intent or "", []))


@dataclass
class ChunkResponder:
    """Streams a fixed answer in the given chunks."""

    chunks: list[str]
    version: int = 2
    calls: list[dict] = field(default_factory=list)

    def generate(self, *, text: str, history: list[Turn], classification: Classification, sources: list[Source]) -> Iterator[str]:
        self.calls.append({"text": text, "history": list(history), "classification": classification, "sources": list(sources)})
        yield from self.chunks


@dataclass
class BrokenResponder:
    """Fails, either when asked (eager) or after streaming some chunks (mid-stream)."""

    chunks_before_failure: list[str] = field(default_factory=list)
    eager: bool = True
    version: int = 2

    def generate(self, *, text: str, history: list[Turn], classification: Classification, sources: list[Source]) -> Iterator[str]:
        if self.eager:
            raise RuntimeError("responder crashed")
        return self._stream()

    def _stream(self) -> Iterator[str]:
        yield from self.chunks_before_failure
        raise RuntimeError("responder crashed mid-stream")
