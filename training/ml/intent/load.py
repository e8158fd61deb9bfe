"""Which back-end serves an intent artifact: ONNX Runtime when it was exported, else torch.

Beside the two classes rather than beside their base (predict.py), which both import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from training.ml.intent.artifact import read_artifact_meta
from training.ml.intent.classifier import IntentClassifier
from training.ml.intent.onnx_classifier import OnnxIntentClassifier
from training.ml.intent.predict import BaseIntentClassifier


def load_classifier(path: str | os.PathLike[str], *, prefer_onnx: bool = True, **kwargs: Any) -> BaseIntentClassifier:
    """The ONNX Runtime classifier when the artifact has an ONNX export and ``prefer_onnx``, else torch.

    ``kwargs`` go to the chosen class (e.g. ``intra_op_threads`` for ONNX, ``device`` for torch).
    """
    meta = read_artifact_meta(path)
    onnx_info = meta.get("onnx") or {}
    selected = onnx_info.get("files", {}).get(onnx_info.get("selected", ""), "")
    if prefer_onnx and selected and (Path(path) / selected).is_file():
        return OnnxIntentClassifier.load(path, **kwargs)
    return IntentClassifier.load(path, **kwargs)
