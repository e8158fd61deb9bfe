"""Knowledge-base articles and their split into passages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.ml.common.artifacts import sha256_of_records
from training.ml.retrieval.errors import RetrievalDataError


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    url: str = ""
    intents: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Article:
        """Accepts ``id`` or ``slug`` as the identifier (the demo data uses ``slug``)."""
        return cls(
            id=str(raw.get("id") or raw.get("slug") or ""),
            title=str(raw.get("title") or ""),
            body=str(raw.get("body") or ""),
            url=str(raw.get("url") or ""),
            intents=tuple(str(x) for x in raw.get("intents") or ()),
        )


@dataclass(frozen=True)
class Passage:
    passage_id: int
    article_id: str
    title: str
    url: str
    position: int  # order of the passage inside its article, from 0
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "passage_id": self.passage_id,
            "article_id": self.article_id,
            "title": self.title,
            "url": self.url,
            "position": self.position,
            "text": self.text,
        }


def load_articles(path: str | Path) -> list[Article]:
    """Read a JSON list of {id|slug, title, body, url, intents}."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RetrievalDataError(f"cannot read articles from {path}: {exc}") from exc
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        raise RetrievalDataError(f"{path} must hold a JSON list of article objects")
    return [Article.from_dict(x) for x in raw]


def validate_articles(articles: Sequence[Article]) -> None:
    if not articles:
        raise RetrievalDataError("the knowledge base is empty: no articles to index")
    problems: list[str] = []
    seen: set[str] = set()
    for n, art in enumerate(articles):
        if not isinstance(art, Article):
            problems.append(f"article {n}: expected Article, got {type(art).__name__}")
            continue
        name = art.id or f"#{n}"
        if not art.id.strip():
            problems.append(f"article {n}: empty id")
        elif art.id in seen:
            problems.append(f"article {art.id!r}: duplicate id")
        seen.add(art.id)
        if not art.body.strip():
            problems.append(f"article {name!r}: no text (empty body)")
    if problems:
        raise RetrievalDataError("the knowledge base is unusable", problems)


def data_hash(articles: Iterable[Article]) -> str:
    return sha256_of_records(
        (a.id, a.title, a.body, a.url, ",".join(sorted(a.intents))) for a in articles
    )


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

TokenCounter = Callable[[str], list[tuple[int, int]]]
"""Returns the (start, end) character offsets of each token of a text (no special tokens)."""


def hf_token_offsets(tokenizer: Any) -> TokenCounter:
    """Adapter for a Hugging Face fast tokenizer."""

    def offsets(text: str) -> list[tuple[int, int]]:
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False)
        return [tuple(x) for x in enc["offset_mapping"]]

    return offsets


def _windows(text: str, offsets: list[tuple[int, int]], max_tokens: int, overlap: int) -> list[str]:
    """Cut ``text`` into windows of at most max_tokens tokens, consecutive windows sharing ``overlap``."""
    out, start, step = [], 0, max_tokens - overlap
    while start < len(offsets):
        end = min(start + max_tokens, len(offsets))
        out.append(text[offsets[start][0] : offsets[end - 1][1]].strip())
        if end == len(offsets):
            break
        start += step
    return out


def split_paragraph(text: str, count: TokenCounter, max_tokens: int, overlap: int) -> list[str]:
    """Whole paragraph if it fits; else whole sentences packed into windows (trailing sentences of
    up to ``overlap`` tokens repeated at the start of the next window); a sentence longer than the
    window is cut into token windows. No text is dropped."""
    if len(count(text)) <= max_tokens:
        return [text]
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    pieces: list[tuple[str, int]] = []
    for sent in sentences:
        offs = count(sent)
        if len(offs) <= max_tokens:
            pieces.append((sent, len(offs)))
        else:
            pieces.extend((w, len(count(w))) for w in _windows(sent, offs, max_tokens, overlap))
    out: list[str] = []
    current: list[tuple[str, int]] = []
    for piece in pieces:
        if current and sum(n for _, n in current) + piece[1] > max_tokens:
            out.append(" ".join(s for s, _ in current))
            carry: list[tuple[str, int]] = []
            for prev in reversed(current):  # overlap: repeat whole trailing sentences that fit
                if sum(n for _, n in carry) + prev[1] > overlap or sum(n for _, n in carry) + prev[1] + piece[1] > max_tokens:
                    break
                carry.insert(0, prev)
            current = carry
        current.append(piece)
    if current:
        out.append(" ".join(s for s, _ in current))
    return out


def split_articles(
    articles: Sequence[Article], count: TokenCounter, *, max_tokens: int = 200, overlap: int = 40
) -> list[Passage]:
    """Paragraphs (split on blank lines), long ones cut into windows of at most ``max_tokens``."""
    validate_articles(articles)
    passages: list[Passage] = []
    for art in articles:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", art.body) if p.strip()]
        position = 0
        for para in paragraphs:
            para = re.sub(r"\s+", " ", para)
            for piece in split_paragraph(para, count, max_tokens, overlap):
                passages.append(Passage(len(passages), art.id, art.title, art.url, position, piece))
                position += 1
    return passages
