import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "matplotlib", "sklearn", "fairlearn", "faker", "vaderSentiment", "scipy", "django", "celery")


def test_importing_the_audit_package_loads_no_heavy_library() -> None:
    code = f"import sys, training.ml.audit\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at package import time: {out.stdout.strip()}"
