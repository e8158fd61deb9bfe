"""Intent classifier on torch (training-time back-end; also needed for explanations)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from training.ml.common.device import resolve_device
from training.ml.intent.model import load_model
from training.ml.intent.predict import BaseIntentClassifier


class IntentClassifier(BaseIntentClassifier):
    backend = "torch"

    def __init__(
        self, path: str | os.PathLike[str], *, device: str = "cpu", batch_size: int = 32, top_k: int = 5
    ) -> None:
        super().__init__(path, batch_size=batch_size, top_k=top_k)
        self.device_preference = device
        self.device: str | None = None
        self.model: Any = None
        self.tokenizer: Any = None

    def _load_backend(self, meta: dict[str, Any]) -> None:
        self.device = resolve_device(self.device_preference)
        self.model, self.tokenizer = load_model(
            self.path, num_labels=len(meta["labels"]), pooling=meta["pooling"], device=self.device
        )
        self._max_length = int(meta["max_length"])

    def encode(self, texts: list[str]) -> Any:
        return self.tokenizer(
            texts, padding=True, truncation=True, max_length=self._max_length, return_tensors="pt"
        ).to(self.device)

    def _batch_logits(self, texts: list[str]) -> np.ndarray:
        return self._batch_logits_and_vectors(texts)[0]

    def _batch_logits_and_vectors(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        import torch

        batch = self.encode(texts)
        with torch.inference_mode():
            logits, pooled = self.model.forward_with_vector(batch["input_ids"], batch["attention_mask"])
        return logits.float().cpu().numpy(), pooled.float().cpu().numpy()
