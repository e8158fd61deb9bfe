import numpy as np
import pytest

from training.ml.intent import IntentClassifier, OnnxIntentClassifier, load_classifier

pytestmark = pytest.mark.slow


def test_export_recorded_in_meta(trained) -> None:
    onnx = trained.result.meta["onnx"]
    assert onnx == IntentClassifier.load(trained.path).meta["onnx"]
    for relative in onnx["files"].values():
        assert (trained.path / relative).is_file()
    accuracy = onnx["validation_accuracy"]
    expected = "int8" if accuracy["int8"] >= accuracy["fp32"] - 0.005 else "fp32"
    assert onnx["selected"] == expected
    assert accuracy["fp32"] == pytest.approx(accuracy["torch"])


def test_onnx_agrees_with_torch(trained, dataset) -> None:
    texts = [ex.text for ex in dataset.test] + ["", "a" * 500]  # empty and truncated inputs too
    torch_clf = IntentClassifier.load(trained.path)
    fp32 = OnnxIntentClassifier.load(trained.path, variant="fp32")
    int8 = OnnxIntentClassifier.load(trained.path, variant="int8")
    reference = torch_clf.logits(texts)
    np.testing.assert_allclose(fp32.logits(texts), reference, atol=2e-3, rtol=1e-3)
    assert [p.intent for p in fp32.predict(texts)] == [p.intent for p in torch_clf.predict(texts)]
    agree = np.mean(int8.logits(texts).argmax(1) == reference.argmax(1))
    assert agree >= 0.9


def test_load_classifier_factory(trained) -> None:
    clf = load_classifier(trained.path)
    assert isinstance(clf, OnnxIntentClassifier) and clf.variant == trained.result.meta["onnx"]["selected"]
    assert clf.session.get_session_options().intra_op_num_threads == 1
    assert isinstance(load_classifier(trained.path, prefer_onnx=False), IntentClassifier)
    two = load_classifier(trained.path, intra_op_threads=2)
    assert two.session.get_session_options().intra_op_num_threads == 2


def test_texts_are_batched_into_few_session_runs(trained, dataset) -> None:
    clf = OnnxIntentClassifier.load(trained.path, batch_size=8)
    calls: list[int] = []
    run = clf.session.run

    def counting_run(outputs, feeds):
        calls.append(len(feeds["input_ids"]))
        return run(outputs, feeds)

    clf.session.run = counting_run  # type: ignore[method-assign]
    texts = [ex.text for ex in dataset.test][:20]
    predictions = clf.predict(texts)
    assert len(predictions) == 20 and calls == [8, 8, 4]
