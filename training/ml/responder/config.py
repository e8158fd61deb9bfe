"""Responder fine-tuning and generation options. Each field's ``metadata['help']`` is meant for admin forms and CLI help."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from training.ml.common.config import ConfigDict
from training.ml.common.device import VALID_DEVICES
from training.ml.responder.base import DEFAULT_BASE_MODEL

Method = Literal["full", "lora"]
DEFAULT_LEARNING_RATES = {"full": 5e-5, "lora": 2e-4}


def _opt(default: Any, help: str) -> Any:  # noqa: A002 - mirrors argparse's name
    return field(default=default, metadata={"help": help})


@dataclass
class ResponderConfig(ConfigDict):
    base_model: str = _opt(
        DEFAULT_BASE_MODEL,
        "Causal LM to fine-tune: 'smollm2-135m-instruct' (the packaged SmolLM2-135M-Instruct), "
        "a .gguf file, a Hugging Face id or a local folder.",
    )
    base_cache_dir: str = _opt(
        "var/models/base", "Where the packaged GGUF base is converted once into a transformers folder."
    )
    method: Method = _opt(
        "full",
        "'full' fine-tunes every weight; 'lora' trains low-rank adapters (peft) that are merged into the "
        "weights when saving, so serving never needs peft.",
    )
    lora_r: int = _opt(16, "LoRA rank.")
    lora_alpha: int = _opt(32, "LoRA scaling numerator (the update is scaled by alpha / r).")
    lora_dropout: float = _opt(0.05, "Dropout on the LoRA branch.")
    lora_target_modules: list[str] = _opt(
        None, "Module names that get adapters (None: every attention and MLP projection of Llama-style models)."
    )
    learning_rate: float | None = _opt(None, "Peak AdamW learning rate (None: 5e-5 for 'full', 2e-4 for 'lora').")
    weight_decay: float = _opt(0.0, "AdamW weight decay.")
    warmup_ratio: float = _opt(0.05, "Fraction of the steps with a linear warm-up (then linear decay to zero).")
    max_grad_norm: float = _opt(1.0, "Gradient clipping norm (0 disables).")
    epochs: int = _opt(3, "Passes over the training pairs (ignored when max_steps > 0).")
    max_steps: int = _opt(0, "Optimisation steps to run; 0 means use epochs.")
    batch_size: int = _opt(4, "Pairs per forward pass.")
    grad_accum: int = _opt(4, "Forward passes accumulated per optimisation step.")
    max_length: int = _opt(896, "Longest training sequence (prompt + reply) in tokens; prompts are trimmed to fit.")
    max_prompt_tokens: int = _opt(
        768, "Prompt budget when answering; passages and history are trimmed to fit (plus max_new_tokens <= model window)."
    )
    max_reply_tokens: int = _opt(192, "Longer reference replies are truncated (and then teach no end of turn).")
    min_pairs: int = _opt(16, "Fewest (prompt, reply) pairs accepted for training.")
    held_out_fraction: float = _opt(
        0.1, "Share of the questions held out for perplexity before and after fine-tuning (0 disables)."
    )
    seed: int = _opt(42, "Seed for the split, the batch order and dropout.")
    device: str = _opt("auto", "'auto' (CUDA when present, else CPU), 'cpu', 'cuda', 'cuda:N' or 'mps'.")
    mixed_precision: bool = _opt(True, "On CUDA: bf16 autocast when supported (else fp16 + scaler). CPU trains in fp32.")
    progress_every: int = _opt(5, "Call the progress callback every N optimisation steps.")
    torch_threads: int | None = _opt(None, "torch CPU threads while training (None: torch's default).")
    max_new_tokens: int = _opt(96, "Generation: longest reply in tokens.")
    temperature: float = _opt(0.0, "Generation: 0 is greedy decoding; above 0 samples from the softened distribution.")
    repetition_penalty: float = _opt(
        1.15, "Generation: divides the score of tokens already generated (not of the prompt, so quoting passages is free)."
    )
    no_repeat_ngram_size: int = _opt(6, "Generation: never repeat a generated n-gram of this size (0 disables).")

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.method not in ("full", "lora"):
            problems.append(f"method must be 'full' or 'lora', got {self.method!r}")
        if not isinstance(self.base_model, str) or not self.base_model.strip():
            problems.append("base_model must be a non-empty string")
        for name in ("lora_r", "lora_alpha", "epochs", "batch_size", "grad_accum", "max_length",
                     "max_prompt_tokens", "max_reply_tokens", "min_pairs", "progress_every", "max_new_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a positive integer, got {value!r}")
        for name in ("max_steps", "no_repeat_ngram_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(f"{name} must be an integer >= 0, got {value!r}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            problems.append("learning_rate must be > 0 (or None for the method's default)")
        for name, low, high in (("lora_dropout", 0.0, 0.9), ("warmup_ratio", 0.0, 1.0),
                                ("held_out_fraction", 0.0, 0.5), ("temperature", 0.0, 5.0),
                                ("repetition_penalty", 1.0, 3.0)):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not low <= value <= high:
                problems.append(f"{name} must be within [{low}, {high}], got {value!r}")
        if self.weight_decay < 0 or self.max_grad_norm < 0:
            problems.append("weight_decay and max_grad_norm must be >= 0")
        lengths = (self.max_length, self.max_reply_tokens)
        if all(isinstance(x, int) for x in lengths) and self.max_reply_tokens >= self.max_length:
            problems.append("max_reply_tokens must be smaller than max_length (the prompt needs room)")
        if self.lora_target_modules is not None and (
            not isinstance(self.lora_target_modules, list | tuple)
            or not self.lora_target_modules
            or not all(isinstance(m, str) and m for m in self.lora_target_modules)
        ):
            problems.append("lora_target_modules must be None or a non-empty list of module names")
        device = str(self.device).lower()
        if device not in VALID_DEVICES and not device.startswith("cuda:"):
            problems.append(f"device must be one of {', '.join(VALID_DEVICES)} or 'cuda:N', got {self.device!r}")
        if self.torch_threads is not None and (not isinstance(self.torch_threads, int) or self.torch_threads < 1):
            problems.append("torch_threads must be None or >= 1")
        if problems:
            raise ValueError("invalid ResponderConfig: " + "; ".join(problems))

    @property
    def effective_learning_rate(self) -> float:
        return self.learning_rate if self.learning_rate is not None else DEFAULT_LEARNING_RATES[self.method]

    def generation(self) -> dict[str, Any]:
        """The generation defaults, as stored in an artifact and accepted as overrides by ``stream``."""
        return {name: getattr(self, name) for name in GENERATION_KEYS}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["lora_target_modules"] is not None:
            data["lora_target_modules"] = list(data["lora_target_modules"])
        return data


GENERATION_KEYS = ("max_new_tokens", "temperature", "repetition_penalty", "no_repeat_ngram_size")
