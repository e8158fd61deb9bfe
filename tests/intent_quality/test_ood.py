"""Out-of-scope scores on sentence vectors: the maths, and the served decision of a version that carries one."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from training.ml.intent import Example, IntentTrainingConfig, OnnxIntentClassifier, load_classifier, train  # noqa: E402
from training.ml.intent.calibrate import softmax  # noqa: E402
from training.ml.intent.ood import OodBank, OodMethod, auroc, in_scope_top_probability  # noqa: E402
from training.ml.intent.predict import BaseIntentClassifier  # noqa: E402

CARD = ["where is my new card", "my card has not arrived", "card still not delivered", "when will my card come",
        "has my card been posted", "i am waiting for my card", "the card you sent never came", "no card in the post"]
PIN = ["how do i change my pin", "i forgot my pin", "reset my pin number", "my pin is blocked",
       "can i choose a new pin", "where do i see my pin", "pin locked after three tries", "change card pin code"]
OOS = ["what is the weather tomorrow", "give me a cake recipe", "who won the football", "tell me a joke",
       "how tall is everest", "book a table for two", "translate hello to french", "best film this year"]


def test_auroc_agrees_with_the_rank_definition_and_counts_ties_half():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 200).round(1), rng.normal(0, 1, 150).round(1)
    expected = roc_auc_score(np.r_[np.ones(200), np.zeros(150)], np.r_[a, b])
    assert auroc(a, b) == pytest.approx(expected)
    assert auroc(np.ones(3), np.ones(4)) == 0.5


def test_distance_scores_rank_points_near_the_training_classes_higher():
    rng = np.random.default_rng(1)
    centres = np.eye(8)[:2] * 5
    train_x = np.vstack([centres[i] + rng.normal(0, 0.3, (30, 8)) for i in range(2)])
    train_y = np.repeat([0, 1], 30)
    bank = OodBank.fit(train_x, train_y, 2)
    near = centres + rng.normal(0, 0.3, (2, 8))
    far = np.eye(8)[5:7] * 5
    for method in (OodMethod("knn", k=5), OodMethod("mahalanobis")):
        scores = method.score(bank, np.vstack([near, far]), np.ones(4))
        assert scores[:2].min() > scores[2:].max(), method


@pytest.fixture(scope="module")
def knn_artifact(tmp_path_factory):
    examples = [Example(t, "card_arrival") for t in CARD] + [Example(t, "pin_change") for t in PIN]
    config = IntentTrainingConfig(epochs=2, min_steps=0, max_length=16, batch_size=8, val_fraction=0.25,
                                  validate_every_epoch=False, ood_method="knn")
    folder = tmp_path_factory.mktemp("ood") / "model"
    train(examples, folder, config, oos_texts=OOS)
    return folder


def _expected_oos(classifier: BaseIntentClassifier, texts: list[str]) -> list[bool]:
    logits, vectors = classifier.logits_and_vectors(texts)
    method, threshold, bank = classifier.ood
    scores = method.score(bank, vectors, in_scope_top_probability(softmax(logits, classifier.temperature), classifier.labels))
    best = [classifier.labels[i] for i in logits.argmax(axis=1)]
    return [b == "oos" or s < threshold for b, s in zip(best, scores, strict=True)]


def test_a_version_with_a_knn_rule_serves_it_on_onnx_and_torch(knn_artifact):
    served = load_classifier(knn_artifact)
    assert isinstance(served, OnnxIntentClassifier)
    section = served.meta["ood"]
    assert section["method"] == "knn" and section["k"] == 5 and set(section["files"]) == {"bank", "means", "precision"}
    assert "knn(k=5)" in section["validation_auroc"]
    texts = ["my card never arrived", "i need a new pin", "what's the capital of peru", "play some jazz music"]
    for classifier in (served, load_classifier(knn_artifact, prefer_onnx=False)):
        predictions = classifier.predict(texts)
        assert [p.is_oos for p in predictions] == _expected_oos(classifier, texts)
    # the probability threshold alone would decide differently for some text, or the rule would be pointless to test
    assert served.ood[1] != served.threshold
