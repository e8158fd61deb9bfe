"""Fine-tuning: validate -> split -> load base model -> train -> calibrate -> save (-> ONNX)."""

from __future__ import annotations

import logging
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.ml.common.artifacts import ensure_empty_folder, staged_folder, utc_now_iso
from training.ml.common.device import amp_settings, resolve_device
from training.ml.common.errors import TrainingCancelled
from training.ml.common.progress import EtaEstimator, ProgressCallback, StopCallback, TrainingProgress
from training.ml.common.seeding import seed_everything
from training.ml.intent.artifact import VALIDATION_FILE, write_artifact_meta, write_examples
from training.ml.intent.calibrate import choose_threshold, fit_temperature, softmax
from training.ml.intent.config import IntentTrainingConfig
from training.ml.intent.data import (
    OOS_LABEL,
    Example,
    data_hash,
    drop_conflicts,
    merge_oos,
    stratified_split,
    validate_examples,
)
from training.ml.intent.errors import IntentDataError
from training.ml.intent.export import export_onnx
from training.ml.intent.model import build_model, load_base, save_model
from training.ml.intent.ood import OodBank, in_scope_top_probability, ood_choose

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingResult:
    artifact_dir: Path
    meta: dict[str, Any]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.meta["metrics"]


def _encode(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]


def _collate(ids: Sequence[list[int]], pad_id: int, device: str) -> tuple[Any, Any]:
    import torch

    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return input_ids.to(device), mask.to(device)


@dataclass(frozen=True)
class _Runner:
    """What every forward pass needs: where, how wide, with which precision."""

    device: str
    pad_id: int
    eval_batch_size: int
    amp: Any  # AmpSettings

    def logits(self, model: Any, ids: list[list[int]]) -> np.ndarray:
        return self.logits_and_vectors(model, ids)[0]

    def logits_and_vectors(self, model: Any, ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Logits (n, labels) and the pooled sentence vectors (n, hidden), in input order."""
        import torch

        model.eval()
        out = np.zeros((len(ids), model.head.out_features), dtype=np.float32)
        vectors = np.zeros((len(ids), model.head.in_features), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        with torch.inference_mode():
            for start in range(0, len(order), self.eval_batch_size):
                idx = order[start : start + self.eval_batch_size]
                input_ids, mask = _collate([ids[i] for i in idx], self.pad_id, self.device)
                with self.amp.autocast():
                    logits, pooled = model.forward_with_vector(input_ids, mask)
                out[idx] = logits.float().cpu().numpy()
                vectors[idx] = pooled.float().cpu().numpy()
        return out, vectors

    def accuracy(self, model: Any, ids: list[list[int]], y: np.ndarray) -> float:
        """Top-label accuracy over the rows whose label the model learned (the learning curve)."""
        known = y >= 0
        if not known.any():
            return float("nan")
        return float((self.logits(model, ids).argmax(axis=1)[known] == y[known]).mean())


def _batches(lengths: Sequence[int], batch_size: int, generator: Any, *, bucketing: bool) -> list[list[int]]:
    """One epoch's batches of row indices: random, or (bucketing) similar lengths together.

    Bucketing sorts pools of 50 random batches by length, then shuffles the batch order, so every
    row is seen once per epoch and batches stay random across epochs while padding shrinks.
    """
    import torch

    order = torch.randperm(len(lengths), generator=generator).tolist()
    if not bucketing:
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    pool = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffled]


def _freeze_lower_layers(encoder: Any, n_layers: int) -> int:
    """Freeze the embeddings and the ``n_layers`` lowest transformer layers; returns how many were frozen."""
    if n_layers <= 0:
        return 0
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    embeddings = getattr(encoder, "embeddings", None)
    if layers is None or embeddings is None:
        raise ValueError("freeze_layers needs a BERT-like encoder (encoder.embeddings, encoder.encoder.layer)")
    n = min(n_layers, len(layers))
    for module in [embeddings, *list(layers)[:n]]:
        for param in module.parameters():
            param.requires_grad_(False)
    return n


def _keep_lower_layers(encoder: Any, n_layers: int | None) -> int:
    """Drop every transformer layer above the lowest ``n_layers`` (structured pruning); returns the layers kept."""
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if n_layers is None or layers is None:
        return len(layers) if layers is not None else 0
    if n_layers < len(layers):
        import torch

        encoder.encoder.layer = torch.nn.ModuleList(list(layers)[:n_layers])
        encoder.config.num_hidden_layers = n_layers
    return len(encoder.encoder.layer)


def _optimizer(model: Any, config: IntentTrainingConfig) -> Any:
    import torch

    decay, no_decay = [], []
    for name, param in model.encoder.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if param.ndim < 2 or "LayerNorm" in name or "layer_norm" in name else decay).append(param)
    groups = [
        {"params": decay, "lr": config.learning_rate, "weight_decay": config.weight_decay},
        {"params": no_decay, "lr": config.learning_rate, "weight_decay": 0.0},
        {"params": list(model.head.parameters()), "lr": config.head_learning_rate, "weight_decay": config.weight_decay},
    ]
    return torch.optim.AdamW(groups)


def _schedule(optimizer: Any, warmup_steps: int, total_steps: int, shape: str) -> Any:
    import torch

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / max(1, warmup_steps)
        done = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
        return 0.5 * (1.0 + math.cos(math.pi * done)) if shape == "cosine" else 1.0 - done

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _validation_metrics(
    logits: np.ndarray, val: list[Example], labels: list[str], config: IntentTrainingConfig
) -> dict[str, Any]:
    """Calibrate temperature and threshold on the validation split and report its metrics."""
    from sklearn.metrics import f1_score

    index = {label: i for i, label in enumerate(labels)}
    true = [ex.label for ex in val]
    is_oos = np.array([label == OOS_LABEL for label in true])
    known = np.array([label in index for label in true])
    targets = np.array([index.get(label, -1) for label in true])
    temperature = fit_temperature(logits[known], targets[known])
    probs = softmax(logits, temperature)
    top = probs.argmax(axis=1)
    scores = in_scope_top_probability(probs, labels)
    correct = (top == targets) & ~is_oos
    oos_pred = np.array([labels[i] == OOS_LABEL for i in top])
    choice = choose_threshold(scores, correct, oos_pred, is_oos, keep_fraction=config.oos_keep_fraction,
                              max_handoff=1.0 - config.oos_keep_fraction)
    in_scope = ~is_oos
    metrics: dict[str, Any] = {
        "n_validation": len(val),
        "accuracy": float(correct[in_scope].mean()),  # in-scope rows, top label, no threshold
        "accuracy_all_known": float((top[known] == targets[known]).mean()),  # rows of every trained label
        "macro_f1": float(
            f1_score(
                np.asarray(true)[in_scope], np.asarray([labels[i] for i in top])[in_scope], average="macro", zero_division=0
            )
        ),
        "in_scope_accuracy": choice.in_scope_accuracy,  # top label right and not handed off
        "handoff_rate": choice.handoff_rate,
        "oos_recall": choice.oos_recall,
        "nll_uncalibrated": float(-np.log(softmax(logits[known])[np.arange(known.sum()), targets[known]] + 1e-12).mean()),
        "nll_calibrated": float(-np.log(probs[known][np.arange(known.sum()), targets[known]] + 1e-12).mean()),
    }
    return {
        "temperature": temperature,
        "threshold": choice.threshold,
        "threshold_criterion": choice.criterion,
        "metrics": metrics,
    }


def _ood_section(
    job: _Job, runner: _Runner, model: Any, folder: Path, train_ids: list[list[int]], train_y: np.ndarray,
    val_logits: np.ndarray, val_vectors: np.ndarray, labels: list[str], calibration: dict[str, Any],
) -> dict[str, Any] | None:
    """Choose the out-of-scope score on validation; save the training vectors when a distance score wins.

    Needs out-of-scope validation messages: without them nothing tells the scores apart, and the
    calibrated-probability threshold stays the rule (None).
    """
    method = job.config.ood_method
    if method == "msp" or (method == "auto" and not any(ex.label == OOS_LABEL for ex in job.val_set)):
        return None
    index = {label: i for i, label in enumerate(labels)}
    targets = np.array([index.get(ex.label, -1) for ex in job.val_set])
    is_oos = np.array([ex.label == OOS_LABEL for ex in job.val_set])
    probs = softmax(val_logits, calibration["temperature"])
    top = probs.argmax(axis=1)
    in_scope_rows = train_y != index.get(OOS_LABEL, -1)
    _, train_vectors = runner.logits_and_vectors(model, [ids for ids, keep in zip(train_ids, in_scope_rows,
                                                                                   strict=True) if keep])
    bank = OodBank.fit(train_vectors, train_y[in_scope_rows], len(labels))
    choice = ood_choose(bank, val_vectors, in_scope_top_probability(probs, labels), correct=(top == targets) & ~is_oos,
                        oos_pred=np.array([labels[i] == OOS_LABEL for i in top]), is_oos=is_oos,
                        keep_fraction=job.config.oos_keep_fraction, only=None if method == "auto" else method)
    files = bank.save(folder) if choice.method.name != "msp" else None
    return choice.to_meta(files)


def train(
    examples: Sequence[Example],
    output_dir: str | os.PathLike[str],
    config: IntentTrainingConfig | None = None,
    *,
    oos_texts: Sequence[str] | None = None,
    teacher_probs: Callable[[list[str], list[str]], np.ndarray] | None = None,
    progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> TrainingResult:
    """Fine-tune, calibrate and write an artifact folder at ``output_dir`` (which must not exist or be empty).

    Examples labelled ``oos`` and ``oos_texts`` are out-of-scope data. Every data, base-model and
    output-folder problem is raised before the first optimisation step. The folder appears only
    when everything succeeded (``should_stop`` returning True raises TrainingCancelled).
    ``teacher_probs(texts, labels)``, when given, returns a teacher's softened probabilities (rows: texts,
    columns: ``labels`` in that order) and the loss distils them (``distill_alpha``, ``distill_temperature``).
    """
    config = config or IntentTrainingConfig()
    ensure_empty_folder(output_dir)
    all_examples = merge_oos(examples, oos_texts)
    dropped: list[dict[str, Any]] = []
    if config.drop_conflicts:  # real support data has a few; Rasa also reports them and trains
        all_examples, dropped = drop_conflicts(all_examples)
        if dropped:
            logger.warning("dropped %d text(s) that carry two labels: %s", len(dropped), [d["text"] for d in dropped[:5]])
    validate_examples(all_examples)
    split_seed = config.seed if config.split_seed is None else config.split_seed
    train_set, val_set = stratified_split(all_examples, val_fraction=config.val_fraction, seed=split_seed)
    if config.fit_validation_rows:
        train_set = train_set + val_set
    if not config.train_oos_class:
        train_set = [ex for ex in train_set if ex.label != OOS_LABEL]
    device = resolve_device(config.device)
    amp = amp_settings(device, enabled=config.mixed_precision)
    tokenizer, encoder, base_source = load_base(config.base_model)

    import torch

    old_threads = torch.get_num_threads()
    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    try:
        with staged_folder(output_dir) as scratch:
            job = _Job(config, tokenizer, encoder, base_source, all_examples, train_set, val_set, device, amp, dropped,
                       teacher_probs)
            meta = _fit(job, scratch, progress, should_stop)
            if config.export_onnx:
                m = meta["metrics"]
                _report_phase(progress, "export", m["steps"], m["epochs"], m["train_loss_per_epoch"][-1], m["train_seconds"])
                meta["onnx"] = export_onnx(scratch)
    finally:
        torch.set_num_threads(old_threads)
    return TrainingResult(artifact_dir=Path(output_dir), meta=meta)


def _teacher_targets(job: _Job, labels: list[str]) -> Any:
    """The teacher's softened probabilities for every training row, or None without a teacher."""
    if job.teacher_probs is None:
        return None
    import torch

    probs = np.asarray(job.teacher_probs([ex.text for ex in job.train_set], labels), dtype=np.float32)
    if probs.shape != (len(job.train_set), len(labels)) or not np.isfinite(probs).all():
        raise IntentDataError(f"teacher probabilities must be a finite {len(job.train_set)} x {len(labels)} array, "
                              f"got shape {probs.shape}")
    return torch.from_numpy(probs)


def _distilled(hard_loss: Any, logits: Any, teacher: Any, config: IntentTrainingConfig) -> Any:
    """alpha * hard-label loss + (1 - alpha) * T^2 * KL(teacher || student), both softened by T (Hinton et al.)."""
    import torch

    t = config.distill_temperature
    soft = torch.nn.functional.kl_div(torch.log_softmax(logits / t, dim=-1), teacher, reduction="batchmean")
    return config.distill_alpha * hard_loss + (1.0 - config.distill_alpha) * t * t * soft


def _report_phase(
    progress: ProgressCallback | None, phase: str, steps: int, epochs: int, loss: float, elapsed: float
) -> None:
    """Tell the caller that the optimisation is over and a (short, un-timed) finishing phase runs."""
    if progress is not None:
        progress(TrainingProgress(steps, steps, epochs, epochs, loss, elapsed, None, phase=phase))


@dataclass(frozen=True)
class _Job:
    """Everything checked and loaded before training starts."""

    config: IntentTrainingConfig
    tokenizer: Any
    encoder: Any
    base_source: str
    all_examples: list[Example]
    train_set: list[Example]
    val_set: list[Example]
    device: str
    amp: Any  # AmpSettings
    dropped_conflicts: list[dict[str, Any]]
    teacher_probs: Callable[[list[str], list[str]], np.ndarray] | None = None


def _fit(job: _Job, folder: Path, progress: ProgressCallback | None, should_stop: StopCallback | None) -> dict[str, Any]:
    import torch
    import transformers

    config, tokenizer, device, amp = job.config, job.tokenizer, job.device, job.amp
    train_set, val_set = job.train_set, job.val_set

    seed_everything(config.seed)
    labels = sorted({ex.label for ex in train_set} - {OOS_LABEL})
    if any(ex.label == OOS_LABEL for ex in train_set):
        labels.append(OOS_LABEL)
    index = {label: i for i, label in enumerate(labels)}
    model = build_model(job.encoder, len(labels), config.pooling, config.dropout).to(device)
    encoder_layers = _keep_lower_layers(model.encoder, config.encoder_layers)
    frozen_layers = _freeze_lower_layers(model.encoder, config.freeze_layers)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    runner = _Runner(device=device, pad_id=pad_id, eval_batch_size=config.eval_batch_size, amp=amp)

    train_ids = _encode(tokenizer, [ex.text for ex in train_set], config.max_length)
    train_y = torch.tensor([index[ex.label] for ex in train_set], dtype=torch.long)
    val_ids = _encode(tokenizer, [ex.text for ex in val_set], config.max_length)
    train_lengths = [len(ids) for ids in train_ids]

    steps_per_epoch = math.ceil(len(train_set) / config.batch_size)
    epochs = max(config.epochs, math.ceil(config.min_steps / steps_per_epoch))
    total_steps = steps_per_epoch * epochs
    optimizer = _optimizer(model, config)
    scheduler = _schedule(optimizer, int(config.warmup_ratio * total_steps), total_steps, config.lr_schedule)
    scaler = amp.grad_scaler()
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    soft_targets = _teacher_targets(job, labels)
    generator = torch.Generator().manual_seed(config.seed)
    eta = EtaEstimator(total_steps)

    logger.info(
        "training %d labels on %d examples (%d steps) on %s (%s)", len(labels), len(train_set), total_steps, device, amp.name
    )
    step, window_loss, window_n = 0, 0.0, 0
    epoch_losses: list[float] = []
    epoch_val_accuracy: list[float] = []
    val_y = np.array([index.get(ex.label, -1) for ex in val_set])
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        epoch_loss = 0.0
        for batch_idx in _batches(train_lengths, config.batch_size, generator, bucketing=config.length_bucketing):
            if should_stop is not None and should_stop():
                raise TrainingCancelled(f"training cancelled at step {step}/{total_steps}")
            input_ids, mask = _collate([train_ids[i] for i in batch_idx], pad_id, device)
            rows = torch.tensor(batch_idx)
            targets = train_y[rows].to(device)
            with amp.autocast():
                logits = model(input_ids, mask)
            loss = loss_fn(logits.float(), targets)
            if soft_targets is not None:
                loss = _distilled(loss, logits.float(), soft_targets[rows].to(device), config)
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
            if config.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            scheduler.step()
            step += 1
            value = float(loss.detach())
            epoch_loss += value
            window_loss += value
            window_n += 1
            if progress is not None and (step % config.progress_every == 0 or step == total_steps):
                elapsed = time.perf_counter() - started
                progress(
                    TrainingProgress(
                        step=step,
                        total_steps=total_steps,
                        epoch=epoch,
                        total_epochs=epochs,
                        loss=window_loss / window_n,
                        elapsed_seconds=elapsed,
                        eta_seconds=eta.eta(step, elapsed),
                    )
                )
                window_loss, window_n = 0.0, 0
        epoch_losses.append(epoch_loss / steps_per_epoch)
        if config.validate_every_epoch and epoch < epochs:
            epoch_val_accuracy.append(runner.accuracy(model, val_ids, val_y))
        logger.info("epoch %d/%d: mean loss %.4f", epoch, epochs, epoch_losses[-1])
    train_seconds = time.perf_counter() - started
    _report_phase(progress, "calibrate", total_steps, epochs, epoch_losses[-1], train_seconds)

    val_logits, val_vectors = runner.logits_and_vectors(model, val_ids)
    calibration = _validation_metrics(val_logits, val_set, labels, config)
    ood = _ood_section(job, runner, model, folder, train_ids, train_y.numpy(), val_logits, val_vectors, labels,
                       calibration)
    if config.validate_every_epoch:
        epoch_val_accuracy.append(calibration["metrics"]["accuracy_all_known"])

    model.to("cpu")
    if ood is not None:
        calibration["metrics"]["ood_validation_auroc"] = ood["validation_auroc"]
    save_model(model, tokenizer, folder)
    write_examples(folder / VALIDATION_FILE, val_set)
    n_oos = sum(ex.label == OOS_LABEL for ex in job.all_examples)
    meta: dict[str, Any] = {
        "labels": labels,
        "oos_label": OOS_LABEL,
        "oos_trained_as_class": OOS_LABEL in labels,
        "threshold": calibration["threshold"],
        "threshold_criterion": calibration["threshold_criterion"],
        "temperature": calibration["temperature"],
        "ood": ood,
        "pooling": config.pooling,
        "max_length": config.max_length,
        "base_model": config.base_model,
        "base_model_source": job.base_source,
        "hyperparameters": config.to_dict(),
        "data": {
            "sha256": data_hash(job.all_examples),
            "n_examples": len(job.all_examples),
            "n_oos": n_oos,
            "n_train": len(train_set),
            "n_validation": len(val_set),
            "validation_sha256": data_hash(val_set),  # which rows were held out: equal for an equal split seed
            "validation_seen_in_training": job.config.fit_validation_rows,
            "n_labels": len(labels),
            "dropped_conflicts": job.dropped_conflicts,
        },
        "metrics": {
            "validation": calibration["metrics"],
            "train_loss_per_epoch": epoch_losses,
            "validation_accuracy_per_epoch": epoch_val_accuracy,
            "train_seconds": round(train_seconds, 2),
            "steps": total_steps,
            "epochs": epochs,
            "frozen_layers": frozen_layers,
            "distilled_from_teacher": soft_targets is not None,
            "encoder_layers": encoder_layers,
        },
        "device": device,
        "mixed_precision": amp.name,
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "python": platform.python_version(),
        },
        "created_at": utc_now_iso(),
        "onnx": None,
    }
    write_artifact_meta(folder, meta)
    return meta
