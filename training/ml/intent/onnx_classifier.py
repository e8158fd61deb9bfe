"""Intent classifier on ONNX Runtime: no torch needed at serving time.

Tokenisation uses the ``tokenizers`` library on the artifact's tokenizer.json (what the
transformers fast tokenizer wraps), so predictions match the torch back-end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from training.ml.common.errors import ArtifactError
from training.ml.intent.artifact import ONNX_DIR
from training.ml.intent.model import TOKENIZER_DIR
from training.ml.intent.predict import BaseIntentClassifier

VARIANTS = ("fp32", "int8")
VECTOR_OUTPUT = "sentence_vector"  # the pooled vector the out-of-scope distances read


def _pad_token(tokenizer_dir: Path) -> str:
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        path = tokenizer_dir / name
        if path.is_file():
            pad = json.loads(path.read_text(encoding="utf-8")).get("pad_token")
            if isinstance(pad, dict):
                pad = pad.get("content")
            if isinstance(pad, str):
                return pad
    return "[PAD]"


def load_fast_tokenizer(tokenizer_dir: Path, max_length: int) -> Any:
    from tokenizers import Tokenizer

    path = tokenizer_dir / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a bare Exception for unreadable files
        raise ArtifactError(f"cannot read {path}: {exc}") from exc
    pad = _pad_token(tokenizer_dir)
    pad_id = tokenizer.token_to_id(pad)
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token=pad)
    return tokenizer


def session_options(intra_op_threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


class OnnxIntentClassifier(BaseIntentClassifier):
    """``variant``: 'fp32', 'int8' or None for the one meta.json selected at export time.

    One intra-op thread by default: for single messages it was faster than two on a shared
    2-core machine, and a web/Celery host runs several such processes.
    """

    backend = "onnx"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        variant: str | None = None,
        intra_op_threads: int = 1,
        batch_size: int = 32,
        top_k: int = 5,
        providers: list[str] | None = None,
    ) -> None:
        super().__init__(path, batch_size=batch_size, top_k=top_k)
        if variant is not None and variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS} or None")
        if intra_op_threads < 1:
            raise ValueError("intra_op_threads must be >= 1")
        self.variant = variant
        self.intra_op_threads = intra_op_threads
        self.providers = providers or ["CPUExecutionProvider"]
        self.session: Any = None

    def _load_backend(self, meta: dict[str, Any]) -> None:
        import onnxruntime as ort

        info = meta.get("onnx") or {}
        variant = self.variant or info.get("selected")
        relative = (info.get("files") or {}).get(variant or "")
        if not relative:
            raise ArtifactError(f"{self.path} has no ONNX {variant or ''} export; run export_onnx() first")
        model_path = self.path / relative
        if not model_path.is_file():
            raise ArtifactError(f"{model_path} is missing")
        self.variant = variant
        self._tokenizer = load_fast_tokenizer(self.path / TOKENIZER_DIR, int(meta["max_length"]))
        try:
            self.session = ort.InferenceSession(
                str(model_path), sess_options=session_options(self.intra_op_threads), providers=self.providers
            )
        except (RuntimeError, ValueError) as exc:  # onnxruntime's errors derive from RuntimeError
            raise ArtifactError(f"cannot load {model_path}: {exc}") from exc
        self._input_names = {i.name for i in self.session.get_inputs()}
        self._has_vector = VECTOR_OUTPUT in {o.name for o in self.session.get_outputs()}

    def _batch_logits(self, texts: list[str]) -> np.ndarray:
        (logits,) = self.session.run(["logits"], self._feeds(texts))
        return np.asarray(logits, dtype=np.float32)

    def _batch_logits_and_vectors(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        if not self._has_vector:  # exported before the out-of-scope distances existed
            return self._batch_logits(texts), None
        logits, vectors = self.session.run(["logits", VECTOR_OUTPUT], self._feeds(texts))
        return np.asarray(logits, dtype=np.float32), np.asarray(vectors, dtype=np.float32)

    def _feeds(self, texts: list[str]) -> dict[str, np.ndarray]:
        encodings = self._tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
        }
        return {k: v for k, v in feeds.items() if k in self._input_names}


ONNX_FILES = {"fp32": f"{ONNX_DIR}/model.onnx", "int8": f"{ONNX_DIR}/model.int8.onnx"}
