"""Device selection and mixed-precision settings, so CPU and CUDA share one code path."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

VALID_DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(preference: str = "auto") -> str:
    """Map 'auto' | 'cpu' | 'cuda' | 'cuda:N' | 'mps' to a device torch can use.

    'auto' picks CUDA when present, else CPU (MPS is only used when asked for:
    some ops still fall back to CPU there). Asking for an absent accelerator raises.
    """
    import torch

    pref = (preference or "auto").strip().lower()
    if pref == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if pref == "cpu":
        return "cpu"
    if pref == "cuda" or pref.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {preference!r} requested but CUDA is not available")
        return pref
    if pref == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError("device 'mps' requested but MPS is not available")
        return "mps"
    raise ValueError(f"unknown device {preference!r}; use one of {', '.join(VALID_DEVICES)} or 'cuda:N'")


@dataclass(frozen=True)
class AmpSettings:
    """Mixed precision for one device: bf16 autocast where supported, else fp16 + GradScaler."""

    device_type: str  # 'cpu' | 'cuda' | 'mps'
    enabled: bool
    dtype: Any = None  # torch.dtype when enabled
    use_grad_scaler: bool = False

    def autocast(self) -> AbstractContextManager[Any]:
        if not self.enabled:
            return nullcontext()
        import torch

        return torch.autocast(device_type=self.device_type, dtype=self.dtype)

    def grad_scaler(self) -> Any:
        """A torch GradScaler when fp16 needs one, else None."""
        if not self.use_grad_scaler:
            return None
        import torch

        return torch.amp.GradScaler(self.device_type)

    @property
    def name(self) -> str:
        return str(self.dtype).removeprefix("torch.") if self.enabled else "fp32"


def amp_settings(device: str, *, enabled: bool = True) -> AmpSettings:
    """Mixed precision only on CUDA: CPU autocast is slower than fp32 on most CPUs for training."""
    import torch

    device_type = device.split(":")[0]
    if not enabled or device_type != "cuda":
        return AmpSettings(device_type=device_type, enabled=False)
    if torch.cuda.is_bf16_supported():
        return AmpSettings(device_type="cuda", enabled=True, dtype=torch.bfloat16)
    return AmpSettings(device_type="cuda", enabled=True, dtype=torch.float16, use_grad_scaler=True)
