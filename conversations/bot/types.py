"""The values the bot's turn passes between its steps."""

from __future__ import annotations

from dataclasses import dataclass


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
    """A knowledge-base passage the reply may cite. ``score`` is the retrieval relevance the floors read:
    for a hybrid index (format 2) the fused (1 - w) x cosine + w x saturated BM25 (training/ml/retrieval/
    fusion.py), for an older dense-only index the cosine similarity; without the intent boost."""

    article_id: int
    title: str
    url: str
    score: float
    passage: str = ""
    number: int | None = None  # the [n] the reply cites it by

    def as_json(self) -> dict:
        data = {"id": self.article_id, "title": self.title, "url": self.url, "score": round(self.score, 4)}
        return data if self.number is None else data | {"n": self.number}
