"""Typed readers for environment variables.

Every name read through these helpers is recorded in ``READ_VARS`` so that
tests can check docker-compose.yml against what the code actually reads.
"""

import os

READ_VARS: set[str] = set()


class ImproperlyConfiguredEnv(RuntimeError):
    pass


def env_str(name: str, default: str | None = None) -> str | None:
    READ_VARS.add(name)
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_required(name: str) -> str:
    value = env_str(name)
    if value is None:
        raise ImproperlyConfiguredEnv(f"Environment variable {name} must be set in production.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return default if value is None else int(value)


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    return default if value is None else float(value)


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env_str(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
