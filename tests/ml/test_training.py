"""A real (small) model trained once per session on CPU; see conftest.trained."""

import json
import math
import shutil
from pathlib import Path

import pytest

from training.ml.intent import (
    FORMAT_VERSION,
    OOS_LABEL,
    BaseModelError,
    Example,
    IntentClassifier,
    IntentDataError,
    IntentTrainingConfig,
    Prediction,
    TrainingCancelled,
    data_hash,
    evaluate,
    train,
)

pytestmark = pytest.mark.slow


def test_held_out_accuracy_above_floor(trained, dataset) -> None:
    clf = IntentClassifier.load(trained.path)
    report = evaluate(clf, dataset.test)
    # 6-8 intents (chance <= 17 %) and ~10 training sentences each.
    assert report.closed_set_accuracy >= 0.8, report.to_json()
    in_scope = [ex for ex in dataset.test if ex.label != OOS_LABEL]
    assert evaluate(clf, in_scope).accuracy >= 0.7
    if report.oos_recall is not None:
        assert report.in_scope_accuracy >= 0.6
        assert report.oos_recall >= 0.5


def test_meta_json(trained, dataset) -> None:
    meta = json.loads((trained.path / "meta.json").read_text())
    assert meta["kind"] == "intent-classifier" and meta["format_version"] == FORMAT_VERSION
    intents = sorted({ex.label for ex in dataset.train})
    assert meta["labels"] == intents + [OOS_LABEL]
    assert 0.0 <= meta["threshold"] <= 1.0 and meta["temperature"] > 0
    assert meta["threshold_criterion"]
    all_examples = dataset.train + [Example(t, OOS_LABEL) for t in dataset.oos_train]
    assert meta["data"]["sha256"] == data_hash(all_examples)
    assert meta["data"]["n_train"] + meta["data"]["n_validation"] == len(all_examples)
    assert meta["hyperparameters"]["epochs"] == 8 and meta["hyperparameters"]["max_length"] == 32
    assert meta["base_model"] is None and Path(meta["base_model_source"]).is_dir()
    for key in ("accuracy", "macro_f1", "in_scope_accuracy", "oos_recall"):
        assert 0.0 <= meta["metrics"]["validation"][key] <= 1.0
    assert len(meta["metrics"]["validation_accuracy_per_epoch"]) == meta["metrics"]["epochs"] == 8
    assert meta["created_at"].endswith("+00:00")
    for name in ("encoder/config.json", "tokenizer/tokenizer.json", "head.safetensors", "validation.jsonl"):
        assert (trained.path / name).is_file()
    assert not [p for p in trained.path.parent.iterdir() if p.name.endswith(".partial")]


def test_progress_reports(trained) -> None:
    assert [r.phase for r in trained.progress[-2:]] == ["calibrate", "export"]
    reports = [r for r in trained.progress if r.phase == "train"]
    total = reports[-1].total_steps
    assert reports[-1].step == total and reports[-1].epoch == reports[-1].total_epochs == 8
    assert [r.step for r in reports] == sorted({r.step for r in reports})
    assert all(r.step % 2 == 0 or r.step == total for r in reports)
    assert all(math.isfinite(r.loss) and r.eta_seconds is not None and r.eta_seconds >= 0 for r in reports)
    assert reports[-1].eta_seconds == 0


def test_predict_api(trained, dataset) -> None:
    clf = IntentClassifier.load(trained.path, batch_size=4)
    texts = [ex.text for ex in dataset.test]
    predictions = clf.predict(texts)
    assert len(predictions) == len(texts) and all(isinstance(p, Prediction) for p in predictions)
    for p in predictions:
        probs = [prob for _, prob in p.top]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
        assert p.confidence == pytest.approx(probs[0])
        assert p.is_oos == (p.intent == OOS_LABEL)
        assert p.is_oos == (p.top[0][0] == OOS_LABEL or p.confidence < clf.threshold)
        if not p.is_oos:
            assert p.intent == p.top[0][0]
    one = clf.predict_one(texts[0])
    assert one.intent == predictions[0].intent and one.confidence == pytest.approx(predictions[0].confidence, abs=1e-4)
    assert clf.predict([]) == []
    with pytest.raises(TypeError):
        clf.predict("a single string")  # type: ignore[arg-type]


def test_threshold_decides_out_of_scope(trained, dataset) -> None:
    clf = IntentClassifier.load(trained.path)
    texts = [ex.text for ex in dataset.train]
    clf.meta["threshold"] = 0.0  # only the learned oos class hands off
    predictions = clf.predict(texts)
    assert all(p.is_oos == (p.top[0][0] == OOS_LABEL) for p in predictions)
    assert sum(not p.is_oos for p in predictions) >= len(texts) // 2
    clf.meta["threshold"] = 1.01  # nothing is confident enough
    assert all(p.is_oos and p.intent == OOS_LABEL for p in clf.predict(texts))
    clf.meta["threshold"] = 0.5
    for p in clf.predict(texts):
        assert p.is_oos == (p.top[0][0] == OOS_LABEL or p.confidence < 0.5)


def test_bad_data_fails_before_training(tmp_path: Path) -> None:
    calls: list = []
    data = [Example("hello", "greet"), Example("hi", "greet"), Example("bye", "leave")]
    with pytest.raises(IntentDataError, match="'leave' has 1 example"):
        train(data, tmp_path / "out", IntentTrainingConfig(export_onnx=False), progress=calls.append)
    assert calls == [] and not (tmp_path / "out").exists()


@pytest.mark.parametrize("base_model", ["/nonexistent/model/folder", "no-such-org/no-such-model-xyz"])
def test_unloadable_base_model_fails_before_training(tmp_path: Path, base_model: str) -> None:
    data = [Example(f"{label} text {i}", label) for label in ("a", "b") for i in range(4)]
    calls: list = []
    with pytest.raises(BaseModelError, match="base model"):
        train(data, tmp_path / "out", IntentTrainingConfig(base_model=base_model), progress=calls.append)
    assert calls == [] and not (tmp_path / "out").exists()


def test_broken_base_model_folder(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "config.json").write_text("{ not json")
    data = [Example(f"{label} text {i}", label) for label in ("a", "b") for i in range(4)]
    with pytest.raises(BaseModelError):
        train(data, tmp_path / "out", IntentTrainingConfig(base_model=str(folder)))


def test_cancellation_leaves_no_artifact(tmp_path: Path, dataset) -> None:
    with pytest.raises(TrainingCancelled):
        train(dataset.train, tmp_path / "out", IntentTrainingConfig(max_length=16), should_stop=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_non_empty_output_folder_is_refused(tmp_path: Path, dataset) -> None:
    from training.ml.intent import ArtifactError

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    with pytest.raises(ArtifactError, match="not empty"):
        train(dataset.train, tmp_path / "out", IntentTrainingConfig())


def test_copy_of_artifact_predicts_the_same(trained, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(trained.path, copy, ignore=shutil.ignore_patterns("onnx"))
    a = IntentClassifier.load(trained.path).predict_one("I forgot my password")
    b = IntentClassifier.load(copy).predict_one("I forgot my password")
    assert a == b


def test_final_fit_trains_on_the_validation_rows_and_says_so(tmp_path: Path, dataset) -> None:
    config = IntentTrainingConfig(epochs=1, min_steps=0, max_length=16, val_fraction=0.2, encoder_layers=1,
                                  export_onnx=False, ood_method="msp", fit_validation_rows=True,
                                  lr_schedule="cosine")
    meta = train(dataset.train, tmp_path / "out", config).meta
    assert meta["data"]["n_train"] == meta["data"]["n_examples"]  # every row trained, validation included
    assert meta["data"]["n_validation"] > 0 and meta["data"]["validation_seen_in_training"] is True
    assert meta["hyperparameters"]["lr_schedule"] == "cosine"


def test_a_split_seed_holds_out_the_same_rows_whatever_the_training_seed(tmp_path: Path, dataset) -> None:
    small = {"epochs": 1, "min_steps": 0, "max_length": 16, "encoder_layers": 1, "export_onnx": False,
             "ood_method": "msp", "validate_every_epoch": False}

    def held_out(name: str, **options) -> str:
        return train(dataset.train, tmp_path / name, IntentTrainingConfig(**small, **options)).meta["data"]["validation_sha256"]

    assert held_out("a", seed=1, split_seed=7) == held_out("b", seed=2, split_seed=7)
    assert held_out("c", seed=1) != held_out("d", seed=2)  # without it the seed also draws the split
    with pytest.raises(ValueError, match="split_seed"):
        IntentTrainingConfig(split_seed="7")


def test_distillation_follows_the_teacher_and_refuses_a_misshapen_one(tmp_path: Path, dataset) -> None:
    import numpy as np
    import torch

    from training.ml.intent import IntentDataError
    from training.ml.intent.train import _distilled

    config = IntentTrainingConfig(distill_alpha=0.25, distill_temperature=2.0)
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    same = torch.softmax(logits / 2.0, dim=-1)
    hard = torch.tensor(1.5)
    assert float(_distilled(hard, logits, same, config)) == pytest.approx(0.25 * 1.5, abs=1e-6)
    other = torch.tensor([[0.0, 0.0, 1.0]])
    assert float(_distilled(hard, logits, other, config)) > 0.25 * 1.5 + 0.5  # far from the teacher: penalised

    seen: list[list[str]] = []

    def teacher(texts: list[str], labels: list[str]) -> np.ndarray:
        seen.append(labels)
        return np.full((len(texts), len(labels)), 1.0 / len(labels))

    small = {"epochs": 1, "min_steps": 0, "max_length": 16, "encoder_layers": 1, "export_onnx": False,
             "ood_method": "msp"}
    meta = train(dataset.train, tmp_path / "out", IntentTrainingConfig(**small), teacher_probs=teacher).meta
    assert meta["metrics"]["distilled_from_teacher"] is True and seen == [meta["labels"]]
    with pytest.raises(IntentDataError, match="teacher probabilities"):
        train(dataset.train, tmp_path / "bad", IntentTrainingConfig(**small),
              teacher_probs=lambda texts, labels: np.ones((len(texts), 2)))
    assert not (tmp_path / "bad").exists()
