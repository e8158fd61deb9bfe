"""Figures on matplotlib's Agg canvas directly: no pyplot, no global backend switch (safe in servers)."""

from __future__ import annotations

from typing import Any


def agg_figure(width: float, height: float, *, dpi: int) -> Any:  # -> matplotlib.figure.Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    return figure
