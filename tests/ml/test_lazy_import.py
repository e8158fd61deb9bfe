import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "onnxruntime", "captum", "matplotlib", "sklearn", "django", "celery")


def test_importing_the_packages_loads_no_heavy_library() -> None:
    code = (
        "import sys, training.ml.intent, training.ml.common\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at package import time: {out.stdout.strip()}"
