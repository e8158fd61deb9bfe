"""Result types and the exceptions callers map to errors."""

from __future__ import annotations

from dataclasses import dataclass


class PiiError(Exception):
    """Base class of every error raised on purpose by conversations.pii."""


class InputTooLongError(PiiError, ValueError):
    """The text is longer than PiiConfig.max_chars and on_oversize is "reject"."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"text has {length} characters, the limit is {limit}")
        self.length = length
        self.limit = limit


class InvalidInputError(PiiError, TypeError):
    """The input is neither str nor bytes."""


@dataclass(frozen=True)
class DetectedEntity:
    """One PII value; start/end index the ORIGINAL text passed in by the caller."""

    entity_type: str
    start: int
    end: int
    original: str
    placeholder: str | None
    score: float


@dataclass(frozen=True)
class AnonymizedText:
    """text: the message with placeholders; entities: what was replaced (spans in the
    original text); placeholders: the conversation's updated mapping (a new dict);
    truncated: the input was cut at max_chars; neutralised_literals: how many
    placeholder-looking strings typed by the customer were rewritten to [TYPE_N]."""

    text: str
    entities: list[DetectedEntity]
    placeholders: dict[str, str]
    truncated: bool = False
    neutralised_literals: int = 0
