"""The held-out answer file: one JSON object per line, checked whole before anything runs.

``{"id", "question", "history": [earlier customer messages], "kind": "answer"|"handoff"|"human",
"article": gold article title (answer items), "facts": [strings a correct answer contains]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from training.ml.common.errors import DataError

KINDS = ("answer", "handoff", "human")
FIELDS = ("id", "question", "history", "kind", "article", "facts")


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    history: tuple[str, ...]
    kind: str
    article: str | None
    facts: tuple[str, ...]
    line: int = 0


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _item(row: object, line: int, problems: list[str]) -> EvalItem | None:
    where = f"line {line}"
    if not isinstance(row, dict):
        problems.append(f"{where}: expected a JSON object")
        return None
    unknown = sorted(set(row) - set(FIELDS))
    missing = [f for f in ("id", "question", "kind") if f not in row]
    found = len(problems)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(missing)}")
    item_id, question, kind = row.get("id"), row.get("question"), row.get("kind")
    history, article, facts = row.get("history", []), row.get("article"), row.get("facts", [])
    if not isinstance(item_id, (str, int)) or str(item_id).strip() == "":
        problems.append(f"{where}: id must be a non-empty string")
    if not isinstance(question, str) or not question.strip():
        problems.append(f"{where}: question must be a non-empty string")
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if not _strings(history):
        problems.append(f"{where}: history must be a list of non-empty strings")
    if not _strings(facts):
        problems.append(f"{where}: facts must be a list of non-empty strings")
    if kind == "answer" and (not isinstance(article, str) or not article.strip()):
        problems.append(f"{where}: an answer item needs the gold article's title")
    if kind == "answer" and _strings(facts) and not facts:
        problems.append(f"{where}: an answer item needs at least one fact")
    if article is not None and not isinstance(article, str):
        problems.append(f"{where}: article must be a title or null")
    if len(problems) > found:
        return None
    return EvalItem(id=str(item_id), question=question.strip(), history=tuple(history), kind=kind,
                    article=article.strip() if isinstance(article, str) and article.strip() else None,
                    facts=tuple(facts), line=line)


def items_parse(lines: Iterable[str], *, source: str) -> list[EvalItem]:
    """Every item of the file, or DataError naming each bad line (nothing is returned half-way)."""
    problems: list[str] = []
    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        item = _item(row, number, problems)
        if item is None:
            continue
        if item.id in seen:
            problems.append(f"line {number}: id {item.id!r} already used on line {seen[item.id]}")
            continue
        seen[item.id] = number
        items.append(item)
    if problems:
        raise DataError(f"{source} is not a valid evaluation file", problems)
    if not items:
        raise DataError(f"{source} has no evaluation items (expected one JSON object per line)")
    return items


def items_load(path: str | Path) -> list[EvalItem]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} cannot be read: {exc}") from None
    return items_parse(text.splitlines(), source=str(path))
