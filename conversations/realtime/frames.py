"""Parsing client frames: every malformed frame becomes a FrameError, answered with an error frame."""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.conf import settings

from conversations.errors import ChatError


class FrameError(ChatError):
    code = "invalid_frame"


def max_frame_chars() -> int:
    # Room for the longest message once JSON-escaped, plus the other fields.
    return settings.CHAT_MAX_MESSAGE_CHARS * 6 + 1024


def frame_parse(text_data: str | None, bytes_data: bytes | None, *, types: frozenset[str]) -> dict:
    if text_data is None:
        raise FrameError("Frames are JSON text; binary frames are not accepted.", code="binary_not_supported")
    if len(text_data) > max_frame_chars():
        raise FrameError(f"Frames are limited to {max_frame_chars()} characters.", code="frame_too_large")
    try:
        frame = json.loads(text_data)
    except ValueError:
        raise FrameError("The frame is not valid JSON.", code="invalid_json") from None
    if not isinstance(frame, dict):
        raise FrameError("A frame is a JSON object with a 'type'.")
    kind = frame.get("type")
    if not isinstance(kind, str) or not kind:
        raise FrameError("A frame needs a 'type'.")
    if kind not in types:
        raise FrameError(f"Unknown frame type {kind[:40]!r}; expected one of: {', '.join(sorted(types))}.", code="unknown_type")
    return frame


def field_str(frame: Mapping[str, object], name: str, *, required: bool = True) -> str | None:
    value = frame.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise FrameError(f"A {frame['type']} frame needs '{name}' as a non-empty string.", code="missing_field")
    return value


def field_bool(frame: Mapping[str, object], name: str) -> bool:
    value = frame.get(name)
    if not isinstance(value, bool):
        raise FrameError(f"A {frame['type']} frame needs '{name}' as true or false.", code="missing_field")
    return value
