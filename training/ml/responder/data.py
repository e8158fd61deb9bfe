"""Training pairs (prompt input -> agent reply): validation, hashing, split and tokenization.

Labels are -100 on every prompt token, so the loss (and the held-out perplexity) covers the
reply tokens only, including the end-of-turn token that teaches the model to stop.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from training.ml.common.artifacts import sha256_of_records
from training.ml.responder.errors import PromptTooLongError, ResponderDataError
from training.ml.responder.prompt import (
    ResponderInput,
    SourcePassage,
    clean_text,
    end_of_turn_ids,
    input_problems,
    render_prompt,
)

IGNORE_INDEX = -100
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=\S)")


@dataclass(frozen=True)
class Pair:
    input: ResponderInput
    reply: str
    gold_article_ids: tuple[int, ...] = ()  # the articles a good reply cites (empty: a hand-off is expected)
    source: str = ""  # where the pair came from, e.g. "agent-reply:123" or "kb-article:7"


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]  # IGNORE_INDEX on prompt tokens

    @property
    def n_reply_tokens(self) -> int:
        return sum(label != IGNORE_INDEX for label in self.labels)


def validate_pairs(pairs: Sequence[Pair], *, min_pairs: int) -> None:
    """Raise ResponderDataError listing every reason these pairs cannot train a responder."""
    if not pairs:
        raise ResponderDataError("no training pairs")
    problems: list[str] = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, Pair) or not isinstance(pair.input, ResponderInput):
            problems.append(f"pair {i}: expected Pair(input=ResponderInput, reply), got {type(pair).__name__}")
            continue
        problems += [f"pair {i}: {p}" for p in input_problems(pair.input)]
        if not isinstance(pair.reply, str) or not pair.reply.strip():
            problems.append(f"pair {i}: empty reply (question {str(pair.input.question)[:40]!r})")
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in pair.gold_article_ids):
            problems.append(f"pair {i}: gold_article_ids must be integers")
    if len(pairs) < min_pairs:
        problems.append(f"only {len(pairs)} pair(s); at least {min_pairs} are needed to fine-tune")
    if problems:
        raise ResponderDataError("the pairs cannot train a responder", problems)


def _record(pair: Pair) -> tuple[str, ...]:
    inp = pair.input
    return (
        inp.question,
        json.dumps([list(t) for t in inp.history], ensure_ascii=False),
        inp.intent or "",
        json.dumps([[p.article_id, p.title, p.text] for p in inp.passages], ensure_ascii=False),
        pair.reply,
        json.dumps(list(pair.gold_article_ids)),
        pair.source,
    )


def data_hash(pairs: Iterable[Pair]) -> str:
    """SHA-256 of the pairs, equal for the same pairs in any order."""
    return sha256_of_records(_record(p) for p in pairs)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def split_pairs(pairs: Sequence[Pair], *, held_out_fraction: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """Deterministic split by question: pairs asking the same question (case and spacing ignored)
    land on the same side, so held-out questions are never seen in training. Input order does not matter."""
    if held_out_fraction <= 0:
        return list(pairs), []
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(_norm(pair.input.question), []).append(pair)
    order = sorted(groups, key=lambda q: hashlib.sha256(f"{seed}\n{q}".encode()).hexdigest())
    wanted = max(1, math.ceil(held_out_fraction * len(pairs)))
    held: list[Pair] = []
    for question in order:
        if len(held) >= wanted:
            break
        held += groups.pop(question)
    train = [p for q in order if q in groups for p in groups[q]]
    if not train:
        raise ResponderDataError("every pair asks the same question: nothing is left to train on")
    return train, held


def encode_pair(
    tokenizer: Any, pair: Pair, *, max_length: int, max_prompt_tokens: int, max_reply_tokens: int
) -> Encoded:
    """Prompt ids + reply ids (+ end of turn); the prompt is trimmed so the whole fits ``max_length``."""
    reply = list(tokenizer(clean_text(tokenizer, pair.reply), add_special_tokens=False)["input_ids"])
    if len(reply) >= max_reply_tokens:
        reply = reply[:max_reply_tokens]  # a cut reply must not learn to end there
    else:
        reply.append(end_of_turn_ids(tokenizer)[0])
    prompt = render_prompt(tokenizer, pair.input, max_prompt_tokens=min(max_prompt_tokens, max_length - len(reply)))
    return Encoded(input_ids=prompt + reply, labels=[IGNORE_INDEX] * len(prompt) + reply)


def encode_pairs(
    tokenizer: Any, pairs: Sequence[Pair], *, max_length: int, max_prompt_tokens: int, max_reply_tokens: int
) -> list[Encoded]:
    """Encode every pair; the ones that cannot fit are reported together in one ResponderDataError."""
    encoded, problems = [], []
    for i, pair in enumerate(pairs):
        try:
            encoded.append(encode_pair(tokenizer, pair, max_length=max_length, max_prompt_tokens=max_prompt_tokens,
                                       max_reply_tokens=max_reply_tokens))
        except PromptTooLongError as exc:
            problems.append(f"pair {i}: {exc}")
    if problems:
        raise ResponderDataError("some pairs do not fit the sequence length", problems)
    return encoded


def kb_reply(title: str, body: str, *, max_chars: int = 240) -> str:
    """A short grounded reply from an article: its first sentence(s) up to ``max_chars``, citing [1].

    A first line that only repeats the title is skipped.
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body or "") if p.strip()]
    if paragraphs:
        first_line, _, rest = paragraphs[0].partition("\n")
        if _norm(first_line) == _norm(title or ""):
            paragraphs[0] = rest.strip()
            paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise ValueError(f"article {title!r} has no text to answer from")
    sentences = _SENTENCE_SPLIT.split(" ".join(paragraphs[0].split()))
    reply = sentences[0]
    for sentence in sentences[1:]:
        if len(reply) + 1 + len(sentence) > max_chars:
            break
        reply += " " + sentence
    return reply + " [1]"


def pair_to_dict(pair: Pair) -> dict[str, Any]:
    inp = pair.input
    return {
        "question": inp.question,
        "history": [list(t) for t in inp.history],
        "intent": inp.intent,
        "passages": [{"article_id": p.article_id, "title": p.title, "text": p.text} for p in inp.passages],
        "reply": pair.reply,
        "gold_article_ids": list(pair.gold_article_ids),
        "source": pair.source,
    }


def pair_from_dict(raw: dict[str, Any]) -> Pair:
    inp = ResponderInput(
        question=raw["question"],
        history=[(str(r), str(t)) for r, t in raw.get("history") or []],
        intent=raw.get("intent"),
        passages=[SourcePassage(int(p["article_id"]), str(p["title"]), str(p["text"])) for p in raw.get("passages") or []],
    )
    return Pair(inp, raw["reply"], tuple(int(x) for x in raw.get("gold_article_ids") or ()), raw.get("source", ""))
