"""The intent classifier as a model kind: its options, training, serving, check, evaluation and audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.errors import AuditRefused, TrainingRefused
from training.intent.evaluation import evaluation_report
from training.intent.job import KIND, PLATFORM_OPTIONS, intent_train
from training.kinds import AuditInputs, KindSpec
from training.ml.common.errors import MLError
from training.ml.intent import IntentTrainingConfig, load_classifier
from training.ml.intent.artifact import VALIDATION_FILE, read_examples
from training.models import ModelVersion
from training.serving.classifier import ServedIntentClassifier, classifier_serve


def intent_parameters_clean(parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse bad options before anything is queued."""
    allowed = set(IntentTrainingConfig.defaults()) | set(PLATFORM_OPTIONS)
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise TrainingRefused(f"Unknown training option(s): {', '.join(unknown)}.")
    if parameters.get("fit_validation_rows"):
        raise TrainingRefused(
            "fit_validation_rows is a benchmark option: a served version needs validation messages it never "
            "trained on, for its hand-off threshold, its int8 check and its bias audit."
        )
    clean = dict(parameters)
    try:
        IntentTrainingConfig.from_dict({k: v for k, v in clean.items() if k not in PLATFORM_OPTIONS})
    except (TypeError, ValueError) as exc:
        raise TrainingRefused(f"Invalid training options: {exc}") from None
    if "data_csv" in clean and not Path(str(clean["data_csv"])).is_file():
        raise TrainingRefused(f"No CSV file at {clean['data_csv']}.")
    clean["activate"] = bool(clean.get("activate", False))
    return clean


def intent_check(version: ModelVersion) -> None:
    """Load the classifier and classify one sentence."""
    load_classifier(version.artifact_path).predict(["hello"])


def intent_audit_inputs(version: ModelVersion) -> AuditInputs:
    """The version's classifier and its held-out (validation) messages; none when the split is missing."""
    try:
        classifier = load_classifier(version.artifact_path)
        classifier.predict(["hello"])
    except (MLError, OSError, ValueError) as exc:
        raise AuditRefused(f"{version} cannot be loaded: {exc}") from None
    path = Path(version.artifact_path) / VALIDATION_FILE
    examples = read_examples(path) if path.is_file() else []
    return AuditInputs(predict=classifier.predict, messages=[(ex.text, ex.label) for ex in examples],
                       component=ServedIntentClassifier(classifier, version.version))


INTENT = KindSpec(
    name=KIND, label="Intent classifier", clean=intent_parameters_clean, train=intent_train, check=intent_check,
    load=classifier_serve, pipeline_role="classifier",
    evaluation=lambda version: evaluation_report(version.artifact_path) if version.artifact_path else None,
    audit=intent_audit_inputs, admin_choice="the intent classifier (intents and examples)",
    task="training.tasks.train_intent_classifier",
)
