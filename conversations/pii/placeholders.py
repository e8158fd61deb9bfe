"""Typed, per-conversation placeholders and the literal-placeholder policy.

A conversation's mapping is ``{canonical value: "<TYPE_N>"}``. Values are keyed in
a canonical form (case-folded email, digits of a phone or card, compact
upper-case IBAN, ...) so "Jane@Example.com" and "jane@example.com" share
``<EMAIL_1>``. Numbering continues from the highest N already used per type.

Customers can type text that looks like a placeholder. Before placeholders are
inserted, any literal ``<TYPE_N>`` (any case, any number of nested angle
brackets, found on the normalized text so full-width brackets or zero-width
characters do not hide it) is rewritten with square brackets: ``<EMAIL_1>``
becomes ``[EMAIL_1]`` and ``<<EMAIL_1>>`` becomes ``[[EMAIL_1]]``. In anonymized
output every ``<TYPE_N>`` is therefore one we inserted.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from . import config as c
from .models import PiiError

PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*?)_(\d+)>")
LITERAL_PLACEHOLDER = re.compile(r"<+[ \t]*[A-Za-z][A-Za-z0-9_]*_\d+[ \t]*>+")


class InvalidMappingError(PiiError, ValueError):
    """A placeholder mapping value is not of the form <TYPE_N>."""


def neutralise_literal(literal: str) -> str:
    return re.sub(r"[ \t]", "", literal).replace("<", "[").replace(">", "]")


def canonical(entity_type: str, value: str) -> str:
    value = " ".join(value.split())
    if entity_type in (c.CARD, c.SSN, c.ACCOUNT_NUMBER):
        return re.sub(r"\D", "", value)
    if entity_type == c.PHONE:
        digits = re.sub(r"\D", "", value)
        if value.startswith("+"):
            return "+" + digits
        return "+" + digits[2:] if digits.startswith("00") else digits
    if entity_type == c.IBAN:
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    if entity_type == c.EMAIL:
        value = re.sub(r"\s*[\[(]\s*at\s*[\])]\s*", "@", value, flags=re.IGNORECASE)
        return re.sub(r"\s*[\[(]\s*dot\s*[\])]\s*", ".", value, flags=re.IGNORECASE).casefold()
    if entity_type == c.IP:
        try:
            return ipaddress.ip_address(value.split("%")[0]).compressed
        except ValueError:
            return value.lower()
    if entity_type in (c.ORDER_ID, c.TICKET_ID):
        return value.replace(" ", "").upper()
    if entity_type in (c.PASSWORD, c.URL):
        return value
    return value.casefold()


class PlaceholderMap:
    def __init__(self, initial: Mapping[str, str] | None) -> None:
        self._by_value: dict[str, str] = {}
        self._next: dict[str, int] = {}
        self._result: dict[str, str] = dict(initial or {})
        for value, placeholder in (initial or {}).items():
            match = PLACEHOLDER.fullmatch(placeholder) if isinstance(placeholder, str) else None
            if match is None or not isinstance(value, str):
                raise InvalidMappingError(f"not a placeholder mapping entry: {placeholder!r}")
            entity_type, number = match.group(1), int(match.group(2))
            self._by_value.setdefault(canonical(entity_type, value), placeholder)
            self._next[entity_type] = max(self._next.get(entity_type, 1), number + 1)

    def placeholder_for(self, entity_type: str, value: str) -> str:
        key = canonical(entity_type, value)
        existing = self._by_value.get(key)
        if existing is not None:
            return existing
        number = self._next.get(entity_type, 1)
        self._next[entity_type] = number + 1
        placeholder = f"<{entity_type}_{number}>"
        self._by_value[key] = placeholder
        self._result[key] = placeholder
        return placeholder

    def as_dict(self) -> dict[str, str]:
        """The caller's entries unchanged plus new ones keyed by canonical value."""
        return dict(self._result)


def restore(text: str, placeholders: Mapping[str, str]) -> str:
    """Replace our placeholders by their (canonical) values, e.g. for an agent view."""
    reverse = {ph: value for value, ph in placeholders.items()}
    return PLACEHOLDER.sub(lambda m: reverse.get(m.group(0), m.group(0)), text)
