"""Bad input is refused before any training, with a clear message and nothing left on disk."""

from __future__ import annotations

import json

import pytest

from tests.responder_fixtures import make_responder_pairs
from training.ml.responder import (
    ArtifactError,
    BaseModelError,
    LoadedResponder,
    ResponderConfig,
    ResponderDataError,
    load_responder,
    read_artifact_meta,
    train,
)


def test_empty_or_too_few_pairs_fail_before_anything_is_written(tmp_path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ResponderDataError, match="no training pairs"):
        train([], out, ResponderConfig())
    with pytest.raises(ResponderDataError, match="at least 16"):
        train(make_responder_pairs()[:5], out, ResponderConfig())
    assert not out.exists()


def test_an_unknown_base_model_folder_raises_base_model_error(tmp_path) -> None:
    out = tmp_path / "out"
    config = ResponderConfig(base_model=str(tmp_path / "no-such-model"), device="cpu")
    with pytest.raises(BaseModelError, match="cannot be loaded"):
        train(make_responder_pairs(), out, config)
    assert not out.exists()


def test_a_non_empty_output_folder_is_refused(tmp_path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(ArtifactError, match="not empty"):
        train(make_responder_pairs(), tmp_path, ResponderConfig())


def _fake_artifact(folder, **meta) -> None:
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"kind": "intent-classifier", "format_version": 1}, "holds a 'intent-classifier' artifact, expected 'responder'"),
        ({"kind": "responder", "format_version": 99}, "format_version 99"),
        ({"kind": "responder", "format_version": 1}, "lacks required key"),
        ({"kind": "responder", "format_version": 1, "base_model": "x", "config": {}, "generation": {},
          "max_prompt_tokens": 512, "metrics": {}}, "incomplete"),
    ],
)
def test_wrong_or_broken_artifacts_are_refused(tmp_path, meta: dict, message: str) -> None:
    _fake_artifact(tmp_path / "a", **meta)
    with pytest.raises(ArtifactError, match=message):
        load_responder(tmp_path / "a")


def test_a_missing_artifact_is_refused(tmp_path) -> None:
    with pytest.raises(ArtifactError, match="does not exist"):
        read_artifact_meta(tmp_path / "nothing")


def test_an_unknown_backend_is_refused(responder_base_dir) -> None:
    with pytest.raises(ValueError, match="unknown responder backend 'nope'.*torch"):
        LoadedResponder.from_model_dir(responder_base_dir / "SmolLM2-135M-Instruct.Q4_1-hf", backend="nope")
