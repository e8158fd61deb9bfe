"""The two templates of a bot action: the URL (``{param}``, values URL-encoded) and the reply (``{{key}}``, from JSON)."""

from __future__ import annotations

import re
from urllib.parse import quote

URL_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)\}")
REPLY_FIELD = re.compile(r"\{\{\s*([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*\}\}")


class TemplateShapeError(ValueError):
    """The JSON result lacks a key the reply template needs, or holds a non-scalar there."""


def url_fields(template: str) -> list[str]:
    return URL_FIELD.findall(template)


def url_fill(template: str, values: dict[str, str]) -> str:
    """Each ``{name}`` replaced by its value, percent-encoded whole (a value cannot add a path, query or host)."""
    return URL_FIELD.sub(lambda m: quote(values[m.group(1)], safe=""), template)


def reply_fields(template: str) -> list[str]:
    return REPLY_FIELD.findall(template)


def _lookup(data: object, path: str) -> str:
    value = data
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise TemplateShapeError(f"the result has no '{path}'")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or isinstance(value, (dict, list)):
        raise TemplateShapeError(f"'{path}' in the result is not a text or a number")
    return str(value)


def reply_fill(template: str, data: object) -> str:
    return REPLY_FIELD.sub(lambda m: _lookup(data, m.group(1)), template)
