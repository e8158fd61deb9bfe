import math
import re

import pytest

from training.ml.intent import IntentClassifier, OnnxIntentClassifier, WordAttribution, explain

pytestmark = pytest.mark.slow


def test_word_attributions(trained) -> None:
    clf = IntentClassifier.load(trained.path)
    text = "I can't log into my account, password reset please!"
    words = explain(clf, text)
    assert all(isinstance(w, WordAttribution) for w in words)
    # BERT pre-tokenisation splits on spaces and punctuation; sub-words are merged back.
    assert [w.word for w in words] == re.findall(r"\w+|[^\w\s]", text)
    assert all(text[w.start : w.end] == w.word for w in words)
    assert not any(w.word in ("[CLS]", "[SEP]", "[PAD]") for w in words)
    assert all(math.isfinite(w.score) for w in words)
    assert sum(abs(w.score) for w in words) == pytest.approx(1.0)


def test_target_by_name_and_errors(trained) -> None:
    clf = IntentClassifier.load(trained.path)
    label = clf.labels[0]
    words = explain(clf, "refund my order please", target=label, n_steps=8)
    assert [w.word for w in words] == ["refund", "my", "order", "please"]
    with pytest.raises(ValueError, match="unknown target"):
        explain(clf, "hello", target="no_such_intent")
    assert explain(clf, "") == []


def test_explain_accepts_onnx_classifier(trained) -> None:
    words = explain(OnnxIntentClassifier.load(trained.path), "unsubscribe me", n_steps=8)
    assert "".join(w.word for w in words) == "unsubscribeme"
