"""Training-speed levers: bucketing keeps every row once per epoch with less padding; freezing and layer
pruning touch the layers they say."""

from __future__ import annotations

import os
import random

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from training.ml.intent import IntentTrainingConfig  # noqa: E402
from training.ml.intent.model import load_base  # noqa: E402
from training.ml.intent.train import _batches, _freeze_lower_layers, _keep_lower_layers, _schedule  # noqa: E402


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
    with pytest.raises(ValueError, match="lr_schedule"):
        IntentTrainingConfig(lr_schedule="step")


@pytest.mark.parametrize("shape", ["linear", "cosine"])
def test_schedules_warm_up_then_decay_to_zero(shape):
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.0)
    scheduler = _schedule(optimizer, warmup_steps=10, total_steps=110, shape=shape)
    rates = []
    for _ in range(110):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates[:10] == sorted(rates[:10]) and rates[9] == pytest.approx(1.0)
    assert rates[10:] == sorted(rates[10:], reverse=True) and rates[-1] <= 0.0101
    midway = rates[60]  # half-way through the decay: linear 0.5, cosine 0.5 too, but cosine stays higher before it
    assert midway == pytest.approx(0.5, abs=0.01)
    assert (rates[35] > 0.8) == (shape == "cosine")
