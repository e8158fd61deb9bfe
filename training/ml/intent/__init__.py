"""Intent classifier: fine-tune a BERT-family encoder, calibrate out-of-scope detection, serve it
with torch or ONNX Runtime, evaluate and explain it.

Pure ML: no Django or Celery. torch, transformers, onnxruntime, captum and matplotlib are
imported inside the functions that need them, so importing this package is cheap.

    examples = load_csv("intents.csv")                 # or [Example(text, label), ...]
    result = train(examples, "artifacts/intent-v3", IntentTrainingConfig(), oos_texts=[...],
                   progress=print, should_stop=lambda: False)
    clf = load_classifier(result.artifact_dir)         # ONNX Runtime when exported
    clf.predict(["where is my card?"])                 # [Prediction(intent, confidence, is_oos, top)]
    report = evaluate(clf, test_examples); render_plots(report, "out/")
    explain(IntentClassifier.load(result.artifact_dir), "where is my card?")
"""

from training.ml.common.errors import ArtifactError, BaseModelError, TrainingCancelled
from training.ml.common.progress import ProgressCallback, StopCallback, TrainingProgress
from training.ml.intent.artifact import ARTIFACT_KIND, FORMAT_VERSION, read_artifact_meta
from training.ml.intent.classifier import IntentClassifier
from training.ml.intent.config import IntentTrainingConfig
from training.ml.intent.data import OOS_LABEL, Example, data_hash, load_csv, validate_examples
from training.ml.intent.errors import IntentDataError
from training.ml.intent.evaluate import EvaluationReport, evaluate
from training.ml.intent.explain import WordAttribution, explain
from training.ml.intent.export import export_onnx
from training.ml.intent.load import load_classifier
from training.ml.intent.onnx_classifier import OnnxIntentClassifier
from training.ml.intent.plots import render_plots
from training.ml.intent.predict import BaseIntentClassifier, Prediction
from training.ml.intent.train import TrainingResult, train

__all__ = [
    "ARTIFACT_KIND",
    "FORMAT_VERSION",
    "OOS_LABEL",
    "ArtifactError",
    "BaseIntentClassifier",
    "BaseModelError",
    "EvaluationReport",
    "Example",
    "IntentClassifier",
    "IntentDataError",
    "IntentTrainingConfig",
    "OnnxIntentClassifier",
    "Prediction",
    "ProgressCallback",
    "StopCallback",
    "TrainingCancelled",
    "TrainingProgress",
    "TrainingResult",
    "WordAttribution",
    "data_hash",
    "evaluate",
    "explain",
    "export_onnx",
    "load_classifier",
    "load_csv",
    "read_artifact_meta",
    "render_plots",
    "train",
    "validate_examples",
]
