"""Sentence vectors from an encoder: mean of the token states, L2-normalised (what MiniLM was trained for)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from training.ml.intent.model import load_base


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-6)


def encode_sentences(
    encoder: Any, tokenizer: Any, texts: Sequence[str], *, max_length: int = 64, batch_size: int = 64
) -> np.ndarray:
    """(n, hidden) unit vectors, in input order; similar lengths are batched together."""
    import torch

    texts = list(texts)
    out = np.zeros((len(texts), encoder.config.hidden_size), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    was_training = encoder.training
    encoder.eval()
    device = next(encoder.parameters()).device
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            batch = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length,
                              return_tensors="pt").to(device)
            hidden = encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
            out[idx] = mean_pool(hidden, batch["attention_mask"]).float().cpu().numpy()
    encoder.train(was_training)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.clip(norms, 1e-12, None)


def embed_texts(texts: Sequence[str], *, base_model: str | None = None, max_length: int = 64) -> np.ndarray:
    """Unit sentence vectors from the base encoder (the bundled MiniLM by default)."""
    tokenizer, encoder, _ = load_base(base_model)
    return encode_sentences(encoder, tokenizer, texts, max_length=max_length)
