from pathlib import Path

import pytest

from training.ml.common import (
    ArtifactError,
    TrainingProgress,
    amp_settings,
    read_meta,
    resolve_device,
    sha256_of_records,
    write_meta,
)
from training.ml.common.artifacts import staged_folder
from training.ml.common.progress import EtaEstimator
from training.ml.intent import IntentTrainingConfig


def test_resolve_device_and_amp_on_cpu() -> None:
    import torch

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")
    amp = amp_settings("cpu")
    assert not amp.enabled and amp.grad_scaler() is None and amp.name == "fp32"
    with amp.autocast():
        pass


@pytest.mark.skipif("not __import__('torch').cuda.is_available()")
def test_amp_on_cuda() -> None:
    amp = amp_settings("cuda")
    assert amp.enabled and amp.name in ("bfloat16", "float16")
    assert (amp.grad_scaler() is not None) == (amp.name == "float16")


def test_meta_round_trip_and_refusals(tmp_path: Path) -> None:
    write_meta(tmp_path, {"x": 1}, kind="thing", format_version=2)
    assert read_meta(tmp_path, kind="thing", supported_versions=[1, 2])["x"] == 1
    with pytest.raises(ArtifactError, match="format_version 2"):
        read_meta(tmp_path, kind="thing", supported_versions=[1])
    with pytest.raises(ArtifactError, match="expected 'other'"):
        read_meta(tmp_path, kind="other", supported_versions=[2])
    with pytest.raises(ArtifactError, match="lacks required key"):
        read_meta(tmp_path, kind="thing", supported_versions=[2], required_keys=["y"])
    (tmp_path / "meta.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        read_meta(tmp_path, kind="thing", supported_versions=[2])
    with pytest.raises(ArtifactError, match="does not exist"):
        read_meta(tmp_path / "absent", kind="thing", supported_versions=[2])


def test_staged_folder_publishes_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with pytest.raises(RuntimeError), staged_folder(target) as scratch:
        (scratch / "f").write_text("x")
        raise RuntimeError("boom")
    assert not target.exists() and list(tmp_path.iterdir()) == []
    with staged_folder(target) as scratch:
        (scratch / "f").write_text("x")
    assert (target / "f").read_text() == "x"
    with pytest.raises(ArtifactError, match="not empty"), staged_folder(target):
        pass


def test_progress_and_eta() -> None:
    eta = EtaEstimator(total_steps=10)
    assert eta.eta(0, 0.0) is None
    assert eta.eta(5, 10.0) == pytest.approx(10.0)
    report = TrainingProgress(step=5, total_steps=10, epoch=1, total_epochs=2, loss=0.5, elapsed_seconds=10, eta_seconds=10)
    assert report.to_dict()["fraction"] == 0.5


def test_sha256_of_records_is_order_independent() -> None:
    assert sha256_of_records([("a", "1"), ("b", "2")]) == sha256_of_records([("b", "2"), ("a", "1")])


def test_config_validation_and_dict_round_trip() -> None:
    config = IntentTrainingConfig(epochs=2)
    assert IntentTrainingConfig.from_dict(config.to_dict()) == config
    assert all(IntentTrainingConfig.help_texts().values())
    with pytest.raises(ValueError, match="unknown IntentTrainingConfig option"):
        IntentTrainingConfig.from_dict({"epoch": 3})
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        IntentTrainingConfig(epochs=0)
    with pytest.raises(ValueError, match="val_fraction"):
        IntentTrainingConfig(val_fraction=0.9)
    with pytest.raises(ValueError, match="pooling"):
        IntentTrainingConfig(pooling="max")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="device"):
        IntentTrainingConfig(device="gpu")
