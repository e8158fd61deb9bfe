"""Layout and ``meta.json`` schema of a responder artifact folder.

    <artifact>/
      meta.json        kind "responder", format_version, base model, config, generation defaults,
                       max_prompt_tokens, data hash and sizes, metrics, versions
      model/           a plain transformers folder: config, safetensors weights (LoRA already merged),
                       generation config and the tokenizer with its chat template
      held_out.jsonl   the held-out pairs (one JSON object per line, data.pair_to_dict), for evaluation
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.ml.common.artifacts import ArtifactError, read_meta, write_meta
from training.ml.responder.data import Pair, pair_from_dict, pair_to_dict

ARTIFACT_KIND = "responder"
FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = (1,)
MODEL_DIR = "model"
HELD_OUT_FILE = "held_out.jsonl"
REQUIRED_META_KEYS = ("base_model", "config", "generation", "max_prompt_tokens", "metrics")


def read_artifact_meta(folder: str | Path) -> dict[str, Any]:
    folder = Path(folder)
    meta = read_meta(
        folder, kind=ARTIFACT_KIND, supported_versions=SUPPORTED_FORMAT_VERSIONS, required_keys=REQUIRED_META_KEYS
    )
    if not isinstance(meta["generation"], dict):
        raise ArtifactError(f"{folder}/meta.json: 'generation' must be an object")
    if not isinstance(meta["max_prompt_tokens"], int) or meta["max_prompt_tokens"] < 1:
        raise ArtifactError(f"{folder}/meta.json: 'max_prompt_tokens' must be a positive integer")
    model_dir = folder / MODEL_DIR
    missing = [name for name in ("config.json", "tokenizer_config.json") if not (model_dir / name).is_file()]
    if missing or not any(model_dir.glob("*.safetensors")):
        raise ArtifactError(f"{folder} is incomplete: {MODEL_DIR}/ lacks {', '.join(missing) or 'its weights'}")
    return meta


def write_artifact_meta(folder: Path, meta: dict[str, Any]) -> Path:
    body = {k: v for k, v in meta.items() if k not in ("kind", "format_version")}
    return write_meta(folder, body, kind=ARTIFACT_KIND, format_version=FORMAT_VERSION)


def write_pairs(path: Path, pairs: Sequence[Pair]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for pair in pairs:
            handle.write(json.dumps(pair_to_dict(pair), ensure_ascii=False) + "\n")


def read_pairs(path: str | Path) -> list[Pair]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [pair_from_dict(json.loads(line)) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"cannot read pairs from {path}: {exc}") from exc
