"""Layout and ``meta.json`` schema of an intent-classifier artifact folder.

    <artifact>/
      meta.json              kind, format_version, labels, threshold, temperature, metrics, ...
      encoder/               encoder weights + config (transformers save_pretrained, safetensors)
      tokenizer/             tokenizer (save_pretrained; tokenizer.json is what ONNX serving reads)
      head.safetensors       pooling -> linear layer weights
      validation.jsonl       the validation split (text, label), used to calibrate and to check ONNX
      onnx/model.onnx        fp32 export (when exported)
      onnx/model.int8.onnx   dynamically quantised int8 export (when exported)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.ml.common.artifacts import ArtifactError, read_meta, write_meta
from training.ml.intent.data import Example
from training.ml.intent.model import ENCODER_DIR, HEAD_FILE, TOKENIZER_DIR

ARTIFACT_KIND = "intent-classifier"
FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = (1,)
VALIDATION_FILE = "validation.jsonl"
ONNX_DIR = "onnx"
REQUIRED_META_KEYS = ("labels", "threshold", "temperature", "pooling", "max_length", "oos_label")


def read_artifact_meta(folder: str | Path) -> dict[str, Any]:
    folder = Path(folder)
    meta = read_meta(
        folder, kind=ARTIFACT_KIND, supported_versions=SUPPORTED_FORMAT_VERSIONS, required_keys=REQUIRED_META_KEYS
    )
    labels = meta["labels"]
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(x, str) for x in labels):
        raise ArtifactError(f"{folder}/meta.json: 'labels' must be a list of at least two strings")
    for key in ("threshold", "temperature"):
        if not isinstance(meta[key], int | float) or isinstance(meta[key], bool):
            raise ArtifactError(f"{folder}/meta.json: {key!r} must be a number")
    if meta["temperature"] <= 0:
        raise ArtifactError(f"{folder}/meta.json: 'temperature' must be > 0")
    missing = [name for name in (ENCODER_DIR, TOKENIZER_DIR, HEAD_FILE) if not (folder / name).exists()]
    if missing:
        raise ArtifactError(f"{folder} is incomplete: missing {', '.join(missing)}")
    return meta


def write_artifact_meta(folder: Path, meta: dict[str, Any]) -> Path:
    body = {k: v for k, v in meta.items() if k not in ("kind", "format_version")}
    return write_meta(folder, body, kind=ARTIFACT_KIND, format_version=FORMAT_VERSION)


def write_examples(path: Path, examples: Sequence[Example]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for ex in examples:
            handle.write(json.dumps({"text": ex.text, "label": ex.label}, ensure_ascii=False) + "\n")


def read_examples(path: Path) -> list[Example]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [Example(**json.loads(line)) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise ArtifactError(f"cannot read {path}: {exc}") from exc
