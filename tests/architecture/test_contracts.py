"""The import contracts in pyproject.toml hold (the same check CI runs as `lint-imports`), and they
would catch an import against the direction."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_every_contract_is_kept():
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_a_contract(tmp_path):
    # A copy of the project where the registry imports a capability folder, as a shortcut would.
    for name in ("chatbot", "conversations", "training", "integrations", "connectors"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "demo_data", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "training" / "registry" / "zz_shortcut.py").write_text("from training.intent import kind  # noqa: F401\n")
    result = _lint(cwd=tmp_path)
    assert result.returncode != 0
    assert "training.registry.zz_shortcut -> training.intent.kind" in result.stdout
