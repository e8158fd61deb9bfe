"""Conversation tests (test stories): multi-turn conversations with what each turn must show.

A file (YAML) holds ``stories:``, each ``{story: name, turns: [...]}``; a turn is the customer's
``user`` message and any of these expectations:

- ``intent``: the intent the classifier gives the message;
- ``handed_off``: true or false;
- ``reason``: the hand-off's reason (customer_request, out_of_scope, low_confidence...);
- ``cites``: the title of an article the reply cites;
- ``contains``: a string or list of strings the reply contains (case-insensitive);
- ``tier``: the answer tier that wrote the reply;
- ``not_stored``: a string or list of raw values (an e-mail the customer typed) that no stored message may hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from training.ml.common.errors import DataError

EXPECTATIONS = ("intent", "handed_off", "reason", "cites", "contains", "tier", "not_stored")
_LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """Safe YAML that remembers the line of every mapping, so a problem names it."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


@dataclass(frozen=True)
class TurnSpec:
    user: str
    line: int
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    name: str
    source: str
    line: int
    turns: tuple[TurnSpec, ...]


@dataclass(frozen=True)
class Observed:
    """What one turn did, as the checks see it."""

    reply: str
    handed_off: bool
    reason: str
    intent: str | None
    tier: str
    cited_titles: tuple[str, ...]
    stored_texts: tuple[str, ...]  # every stored message text of the conversation after the turn


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str) and value.strip():
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return list(value)
    return None


def _turn(raw: Any, where: str, problems: list[str]) -> TurnSpec | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a turn must be a mapping with 'user' and expectations")
        return None
    line = raw.get(_LINE, 0)
    at = f"{where.rsplit(':', 1)[0]}:{line}"
    unknown = sorted(k for k in raw if k not in (*EXPECTATIONS, "user", _LINE))
    if unknown:
        problems.append(f"{at}: unknown key(s) {', '.join(unknown)} (expected user, {', '.join(EXPECTATIONS)})")
    user = raw.get("user")
    if not isinstance(user, str) or not user.strip():
        problems.append(f"{at}: 'user' must be the customer's message")
    expect = {k: raw[k] for k in EXPECTATIONS if k in raw}
    if "handed_off" in expect and not isinstance(expect["handed_off"], bool):
        problems.append(f"{at}: 'handed_off' must be true or false")
    for key in ("intent", "reason", "cites", "tier"):
        if key in expect and (not isinstance(expect[key], str) or not expect[key].strip()):
            problems.append(f"{at}: '{key}' must be a non-empty string")
    for key in ("contains", "not_stored"):
        if key in expect:
            values = _strings(expect[key])
            if values is None:
                problems.append(f"{at}: '{key}' must be a string or a list of strings")
            else:
                expect[key] = values
    return TurnSpec(user=user.strip() if isinstance(user, str) else "", line=line, expect=expect)


def stories_parse(text: str, *, source: str) -> list[Story]:
    """The stories of one file, or DataError naming the file and line of every problem."""
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise DataError(f"{where}: not valid YAML ({problem})") from None
    if not isinstance(data, dict) or not isinstance(data.get("stories"), list) or not data["stories"]:
        raise DataError(f"{source}:1: expected a mapping with a non-empty list under 'stories'")
    problems: list[str] = []
    stories: list[Story] = []
    for raw in data["stories"]:
        if not isinstance(raw, dict):
            problems.append(f"{source}: each story must be a mapping with 'story' and 'turns'")
            continue
        line = raw.get(_LINE, 0)
        name, turns = raw.get("story"), raw.get("turns")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{source}:{line}: a story needs a name under 'story'")
        if not isinstance(turns, list) or not turns:
            problems.append(f"{source}:{line}: story {name!r} needs a non-empty list of 'turns'")
            continue
        parsed = [_turn(t, f"{source}:{line}", problems) for t in turns]
        stories.append(Story(name=str(name), source=source, line=line, turns=tuple(t for t in parsed if t is not None)))
    if problems:
        raise DataError(f"{source} has invalid conversation tests", problems)
    return stories


def stories_load(path: str | Path) -> list[Story]:
    """Every story of a YAML file, or of every *.yml / *.yaml file in a folder (sorted)."""
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.yml"), *path.glob("*.yaml")])
        if not files:
            raise DataError(f"{path} holds no conversation-test files (*.yml, *.yaml)")
    elif path.is_file():
        files = [path]
    else:
        raise DataError(f"{path} does not exist")
    stories: list[Story] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{file} cannot be read: {exc}") from None
        stories += stories_parse(text, source=str(file))
    return stories


def turn_diff(expect: dict[str, Any], seen: Observed) -> list[tuple[str, Any, Any]]:
    """(expectation, expected, observed) for every expectation the turn did not meet."""
    diffs: list[tuple[str, Any, Any]] = []
    if "intent" in expect and seen.intent != expect["intent"]:
        diffs.append(("intent", expect["intent"], seen.intent))
    if "handed_off" in expect and seen.handed_off != expect["handed_off"]:
        diffs.append(("handed_off", expect["handed_off"], seen.handed_off))
    if "reason" in expect and seen.reason != expect["reason"]:
        diffs.append(("reason", expect["reason"], seen.reason or None))
    if "tier" in expect and seen.tier != expect["tier"]:
        diffs.append(("tier", expect["tier"], seen.tier or None))
    if "cites" in expect and expect["cites"] not in seen.cited_titles:
        diffs.append(("cites", expect["cites"], list(seen.cited_titles)))
    for value in expect.get("contains", []):
        if value.lower() not in seen.reply.lower():
            diffs.append(("contains", value, seen.reply))
    for value in expect.get("not_stored", []):
        if any(value.lower() in text.lower() for text in seen.stored_texts):
            diffs.append(("not_stored", f"{value!r} stored nowhere", "found in a stored message"))
    return diffs
