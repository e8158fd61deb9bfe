"""evaluate() on a fixed fake classifier; expected values come from scikit-learn, computed independently."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from training.ml.intent import Example, Prediction, evaluate, render_plots

# text -> (predicted intent, confidence, is_oos, best in-scope guess)
CANNED = {
    "a1": ("a", 0.95, False, "a"),
    "a2": ("a", 0.85, False, "a"),
    "a3": ("b", 0.55, False, "b"),
    "b1": ("b", 0.90, False, "b"),
    "b2": ("oos", 0.30, True, "b"),  # handed off by the threshold, best guess right
    "c1": ("c", 0.75, False, "c"),
    "c2": ("a", 0.65, False, "a"),
    "o1": ("oos", 0.20, True, "c"),
    "o2": ("b", 0.60, False, "b"),
    "o3": ("oos", 0.99, True, "a"),  # learned oos class on top
}
TRUE = {"a1": "a", "a2": "a", "a3": "a", "b1": "b", "b2": "b", "c1": "c", "c2": "c", "o1": "oos", "o2": "oos", "o3": "oos"}


class FakeClassifier:
    labels = ["a", "b", "c", "oos"]
    threshold = 0.5

    def predict(self, texts: list[str]) -> list[Prediction]:
        out = []
        for text in texts:
            intent, confidence, is_oos, guess = CANNED[text]
            top = [("oos", confidence), (guess, 0.01)] if text == "o3" else [(guess, confidence), ("oos", 0.01)]
            out.append(Prediction(intent, confidence, is_oos, top))
        return out


@pytest.fixture
def report():
    return evaluate(FakeClassifier(), [Example(t, y) for t, y in TRUE.items()], top_confused=3, bins=4)


def test_overall_metrics_match_sklearn(report) -> None:
    y_true = list(TRUE.values())
    y_pred = [CANNED[t][0] for t in TRUE]
    assert report.accuracy == pytest.approx(accuracy_score(y_true, y_pred)) == pytest.approx(0.6)
    assert report.macro_f1 == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    labels = ["a", "b", "c", "oos"]
    assert report.labels == labels
    assert report.confusion_matrix == confusion_matrix(y_true, y_pred, labels=labels).tolist()
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        scores = report.per_intent[label]
        assert (scores.precision, scores.recall, scores.f1) == pytest.approx((precision[i], recall[i], f1[i]))
        assert scores.support == support[i]


def test_oos_metrics(report) -> None:
    assert report.in_scope_accuracy == pytest.approx(4 / 7)  # a1, a2, b1, c1
    assert report.oos_recall == pytest.approx(2 / 3)  # o1, o3
    assert report.oos_predicted_rate == pytest.approx(1 / 7)  # b2
    assert report.closed_set_accuracy == pytest.approx(5 / 7)  # + b2's best guess
    in_scope = [t for t in TRUE if TRUE[t] != "oos"]
    closed_f1 = f1_score([TRUE[t] for t in in_scope], [CANNED[t][3] for t in in_scope], average="macro")
    assert report.closed_set_macro_f1 == pytest.approx(closed_f1)


def test_most_confused_and_histogram(report) -> None:
    assert report.most_confused == [("a", "b", 1), ("b", "oos", 1), ("c", "a", 1)]
    assert report.confidence_bins == [0.0, 0.25, 0.5, 0.75, 1.0]
    # right: a1 .95, a2 .85, b1 .90, c1 .75, o1 .20, o3 .99; wrong: a3 .55, b2 .30, c2 .65, o2 .60
    assert report.confidence_correct == [1, 0, 0, 5]
    assert report.confidence_incorrect == [0, 1, 3, 0]
    assert sum(report.confidence_correct) + sum(report.confidence_incorrect) == report.n_examples


def test_to_json_keys(report) -> None:
    data = report.to_json()
    for key in ("accuracy", "macro_f1", "per_intent", "in_scope_accuracy", "oos_recall", "confusion_matrix"):
        assert key in data
    assert data["per_intent"]["a"]["support"] == 3
    assert data["extra"]["threshold"] == 0.5
    no_oos = evaluate(FakeClassifier(), [Example("a1", "a"), Example("b1", "b")]).to_json()
    assert "oos_recall" not in no_oos and "in_scope_accuracy" not in no_oos
    assert no_oos["accuracy"] == 1.0


def test_render_plots_writes_pngs(report, tmp_path: Path) -> None:
    paths = render_plots(report, tmp_path / "plots")
    for name in ("confusion_matrix.png", "confidence_histogram.png"):
        path = tmp_path / "plots" / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(paths) == {"confusion_matrix", "confidence_histogram"}


def test_evaluate_refuses_no_examples() -> None:
    with pytest.raises(ValueError):
        evaluate(FakeClassifier(), [])
    assert np.isfinite(evaluate(FakeClassifier(), [Example("a1", "a")]).macro_f1)
