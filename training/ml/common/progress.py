"""Progress reporting contract between a training loop and its caller (e.g. a Celery task)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class TrainingProgress:
    step: int
    total_steps: int
    epoch: int  # 1-based
    total_epochs: int
    loss: float  # mean training loss since the previous report
    elapsed_seconds: float
    eta_seconds: float | None  # None until at least one step has been timed
    phase: str = "train"  # e.g. "train", then "calibrate" / "export" once the optimisation steps are done

    @property
    def fraction(self) -> float:
        return self.step / self.total_steps if self.total_steps else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"fraction": round(self.fraction, 4)}


ProgressCallback = Callable[[TrainingProgress], None]
StopCallback = Callable[[], bool]


class EtaEstimator:
    """Linear ETA over the steps done so far (steps cost about the same)."""

    def __init__(self, total_steps: int) -> None:
        self.total_steps = total_steps

    def eta(self, step: int, elapsed_seconds: float) -> float | None:
        if step <= 0:
            return None
        return max(0.0, elapsed_seconds / step * (self.total_steps - step))
