"""Training-speed levers: bucketing keeps every row once per epoch with less padding; freezing and layer
pruning touch the layers they say."""

from __future__ import annotations

import os
import random

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from training.ml.intent import IntentTrainingConfig  # noqa: E402
from training.ml.intent.model import load_base  # noqa: E402
from training.ml.intent.train import _batches, _freeze_lower_layers, _keep_lower_layers  # noqa: E402


def _padded(batches: list[list[int]], lengths: list[int]) -> int:
    return sum(max(lengths[i] for i in b) * len(b) for b in batches)


def test_bucketing_covers_every_row_once_and_pads_less():
    import torch

    rng = random.Random(0)
    lengths = [rng.randint(3, 60) for _ in range(1000)]
    plain = _batches(lengths, 32, torch.Generator().manual_seed(1), bucketing=False)
    bucketed = _batches(lengths, 32, torch.Generator().manual_seed(1), bucketing=True)
    for batches in (plain, bucketed):
        assert sorted(i for b in batches for i in b) == list(range(1000))
        assert len(batches) == 32  # ceil(1000 / 32): the epoch has as many steps either way
    assert _padded(bucketed, lengths) < 0.7 * _padded(plain, lengths)
    again = _batches(lengths, 32, torch.Generator().manual_seed(2), bucketing=True)
    assert again != bucketed  # batches still change from epoch to epoch


def test_freezing_and_layer_pruning_change_exactly_the_named_layers():
    _, encoder, _ = load_base(None)
    assert _keep_lower_layers(encoder, 4) == 4 and encoder.config.num_hidden_layers == 4
    assert _freeze_lower_layers(encoder, 2) == 2
    trainable = {name.split(".")[2] for name, p in encoder.named_parameters()
                 if p.requires_grad and name.startswith("encoder.layer")}
    assert trainable == {"2", "3"}
    assert not any(p.requires_grad for p in encoder.embeddings.parameters())


def test_bad_lever_values_are_refused():
    with pytest.raises(ValueError, match="freeze_layers"):
        IntentTrainingConfig(freeze_layers=-1)
    with pytest.raises(ValueError, match="encoder_layers"):
        IntentTrainingConfig(encoder_layers=0)
    with pytest.raises(ValueError, match="ood_method"):
        IntentTrainingConfig(ood_method="energy")
