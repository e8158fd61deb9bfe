"""Loading refuses missing, corrupt and unknown-version artifacts with ArtifactError."""

import json
import os
import shutil
from pathlib import Path

import pytest

from training.ml.intent import ArtifactError, IntentClassifier, OnnxIntentClassifier, load_classifier

pytestmark = pytest.mark.slow


def link_copy(src: Path, dst: Path) -> Path:
    """A cheap copy: meta.json copied (we corrupt it), the rest symlinked."""
    dst.mkdir()
    for item in src.iterdir():
        if item.name == "meta.json":
            shutil.copy(item, dst / item.name)
        else:
            os.symlink(item, dst / item.name)
    return dst


def edit_meta(folder: Path, **changes: object) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    meta.update(changes)
    (folder / "meta.json").write_text(json.dumps(meta))


def test_missing_folder_and_meta(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does not exist"):
        IntentClassifier.load(tmp_path / "nope")
    with pytest.raises(ArtifactError, match="meta.json is missing"):
        load_classifier(tmp_path)


def test_unknown_format_version_is_refused(trained, tmp_path: Path) -> None:
    folder = link_copy(trained.path, tmp_path / "a")
    edit_meta(folder, format_version=999)
    for loader in (IntentClassifier.load, OnnxIntentClassifier.load, load_classifier):
        with pytest.raises(ArtifactError, match="format_version 999"):
            loader(folder)


def test_corrupt_meta_is_refused(trained, tmp_path: Path) -> None:
    folder = link_copy(trained.path, tmp_path / "a")
    (folder / "meta.json").write_text('{"kind": "intent-classifier", "format_')
    with pytest.raises(ArtifactError, match="not valid JSON"):
        IntentClassifier.load(folder)
    edit_meta_folder = link_copy(trained.path, tmp_path / "b")
    edit_meta(edit_meta_folder, temperature="hot")
    with pytest.raises(ArtifactError, match="temperature"):
        IntentClassifier.load(edit_meta_folder)


def test_missing_or_corrupt_weights_are_refused(trained, tmp_path: Path) -> None:
    folder = link_copy(trained.path, tmp_path / "a")
    (folder / "head.safetensors").unlink()
    with pytest.raises(ArtifactError, match="missing head.safetensors"):
        IntentClassifier.load(folder)
    (folder / "head.safetensors").write_bytes(b"garbage" * 10)
    with pytest.raises(ArtifactError, match="cannot load the model"):
        IntentClassifier.load(folder)


def test_init_stores_config_only(tmp_path: Path) -> None:
    clf = IntentClassifier(tmp_path / "not-there-yet", device="cpu")
    assert clf.model is None
    with pytest.raises(ArtifactError):
        clf.warm_up()
