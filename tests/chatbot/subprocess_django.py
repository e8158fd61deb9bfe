"""Run a snippet in a fresh interpreter with a controlled environment (settings are read at import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PASSTHROUGH = ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV")


def run_django(code: str, *, env: dict[str, str], var_dir: Path, settings: str = "chatbot.settings.local") -> subprocess.CompletedProcess:
    clean = {k: os.environ[k] for k in _PASSTHROUGH if k in os.environ}
    clean.update({"DJANGO_SETTINGS_MODULE": settings, "CHATBOT_VAR_DIR": str(var_dir), **env})
    prelude = "import django, json; django.setup()\n"
    return subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def django_json(code: str, **kwargs: object) -> dict:
    result = run_django(code, **kwargs)  # type: ignore[arg-type]
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
