"""What every training config dataclass shares: building from a dict, defaults and help texts."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, Self


class ConfigDict:
    """Mixin for config dataclasses whose fields carry a ``help`` entry in their metadata."""

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        """Build from a dict (e.g. a JSONField); unknown keys are an error, missing ones take defaults."""
        unknown = sorted(set(values) - {f.name for f in fields(cls)})  # type: ignore[arg-type]
        if unknown:
            raise ValueError(f"unknown {cls.__name__} option(s): {', '.join(unknown)}")
        return cls(**values)

    @classmethod
    def help_texts(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}  # type: ignore[arg-type]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {f.name: f.default for f in fields(cls) if f.default is not MISSING}  # type: ignore[arg-type]
