"""What an inference server needs of a fine-tuned responder (docs/deployment.md):

- ``gguf``: one GGUF file for llama.cpp's server on CPU (F16 by default: the in-process backend's weights,
  with the tokenizer and chat template llama.cpp's server applies itself);
- ``hf``: the merged transformers folder (safetensors, config, tokenizer with its chat template) for vLLM
  or TGI on a GPU. A LoRA fine-tune is merged when it is saved (train.py), so the artifact's ``model/``
  folder is already that; it is copied without the GGUF files the llama.cpp backends keep beside it.

Both are written atomically (a temporary name, then a rename), so a server never loads half a file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from training.ml.responder.artifact import MODEL_DIR, read_artifact_meta
from training.ml.responder.gguf_export import export_gguf

FORMATS = ("gguf", "hf")


def export_for_serving(artifact: str | os.PathLike[str], out_dir: str | os.PathLike[str], *, formats: tuple[str, ...] = FORMATS,
                       name: str = "responder", quantization: str = "f16") -> dict[str, Path]:
    """Write ``out_dir/<name>.gguf`` and/or ``out_dir/<name>-hf/``; returns the paths by format."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}, not {', '.join(unknown) or 'none'}")
    read_artifact_meta(artifact)  # ArtifactError for a missing, foreign or incomplete folder
    model_dir, out_dir = Path(artifact) / MODEL_DIR, Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if "gguf" in formats:
        written["gguf"] = export_gguf(model_dir, out_dir / f"{name}.gguf", quantization=quantization)
    if "hf" in formats:
        target = out_dir / f"{name}-hf"
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=out_dir))
        try:
            for item in model_dir.iterdir():
                if item.is_file() and item.suffix != ".gguf":
                    shutil.copy2(item, tmp / item.name)
            os.chmod(tmp, 0o755)
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        written["hf"] = target
    return written
