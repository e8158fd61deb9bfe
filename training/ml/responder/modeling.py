"""Small torch helpers shared by training, evaluation and the torch streamer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from training.ml.common.errors import ArtifactError
from training.ml.responder.data import IGNORE_INDEX, Encoded


def load_model_dir(model_dir: str | Path, *, device: str = "cpu") -> Any:
    """The causal LM of an artifact's model folder, in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    except Exception as exc:  # transformers raises many types for a bad folder
        raise ArtifactError(f"cannot load the responder model in {model_dir}: {exc}") from exc
    return model.to(device).eval()


def collate(batch: Sequence[Encoded], pad_id: int, device: str) -> tuple[Any, Any, Any]:
    """Right-padded (input_ids, attention_mask, labels) tensors; padding is ignored by the loss."""
    import torch

    width = max(len(e.input_ids) for e in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
    for row, e in enumerate(batch):
        n = len(e.input_ids)
        input_ids[row, :n] = torch.tensor(e.input_ids)
        mask[row, :n] = 1
        labels[row, :n] = torch.tensor(e.labels)
    return input_ids.to(device), mask.to(device), labels.to(device)


def reply_nll(model: Any, encoded: Sequence[Encoded], *, pad_id: int, device: str, amp: Any = None,
              batch_size: int = 4) -> list[tuple[float, int]]:
    """(summed negative log-likelihood, reply token count) per encoded pair, in input order."""
    import torch
    import torch.nn.functional as F

    was_training = model.training
    model.eval()
    out: list[tuple[float, int]] = [(0.0, 0)] * len(encoded)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].input_ids))
    try:
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            input_ids, mask, labels = collate([encoded[i] for i in idx], pad_id, device)
            with torch.inference_mode(), (amp.autocast() if amp is not None else nullcontext()):
                logits = model(input_ids=input_ids, attention_mask=mask).logits
            targets = labels[:, 1:]
            nll = F.cross_entropy(logits[:, :-1].float().transpose(1, 2), targets, ignore_index=IGNORE_INDEX,
                                  reduction="none")
            for row, i in enumerate(idx):
                out[i] = (float(nll[row].sum()), int((targets[row] != IGNORE_INDEX).sum()))
    finally:
        model.train(was_training)
    return out


def perplexity(nll: Sequence[tuple[float, int]]) -> float | None:
    """exp(total NLL / total reply tokens): token-weighted over all pairs (None without tokens)."""
    tokens = sum(n for _, n in nll)
    return math.exp(sum(s for s, _ in nll) / tokens) if tokens else None

