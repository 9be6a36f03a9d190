"""Figures drawn without pyplot's global state, and their embedding in the page.

Every figure is a ``matplotlib.figure.Figure`` with a fixed size and resolution,
drawn once: :func:`data_uri` renders it into the HTML, and :func:`drawn_figures`
hands the same PNG bytes to the catalog's ``matplotlib.MatplotlibDataset`` for
the figure's file (drawing is most of a report's time; the page and the file
are then the same image by construction). PNG files carry no timestamp and,
with ``Software`` removed, no version: reruns give identical bytes.
"""

from __future__ import annotations

import base64
import functools
import io

import matplotlib

matplotlib.use("Agg")  # no display: the report is built on servers and in CI

from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend

# The catalog's MatplotlibDataset entries use the same arguments (conf/base/catalog.yml).
SAVE_ARGS = {"format": "png", "metadata": {"Software": None}}
PALETTE = ("#1f5f8b", "#e07b39", "#3a9d5d", "#c23b3b", "#7d5ba6", "#8c6d4f", "#d36fae", "#7f7f7f", "#b8b330", "#2bb3c0")
STYLE = {
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def report_style(function):
    """Draw everything ``function`` draws in the report's style, leaving pyplot's global settings alone."""

    @functools.wraps(function)
    def styled(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return function(*args, **kwargs)

    return styled


def new_figure(width_in: float, height_in: float, dpi: int, **subplots) -> tuple[Figure, object]:
    """A figure of ``width_in`` x ``height_in`` inches at ``dpi`` and its axes (``Figure.subplots`` arguments)."""
    figure = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
    return figure, figure.subplots(**subplots)


def percent_axis(axis) -> None:
    """Tick labels of ``axis`` (an x or y axis) as whole percentages of shares in [0, 1]."""
    axis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")


def percent_axes(axes) -> None:
    """Both axes of ``axes`` as whole percentages (the charts of rates against rates)."""
    percent_axis(axes.xaxis)
    percent_axis(axes.yaxis)


def finish_rate_axes(axes, xlabel: str, ylabel: str, title: str, **legend) -> None:
    """How every chart of a share against a share ends: axis labels, whole-percent ticks on
    both axes, a legend without frame (``legend``: its other arguments) and the title."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    percent_axes(axes)
    axes.legend(frameon=False, **legend)
    axes.set_title(title)


def square_axes(axes, top: float) -> None:
    """Both axes from 0 to ``top`` at the same scale, so the diagonal is 'predicted = observed'."""
    axes.set_xlim(0, top)
    axes.set_ylim(0, top)
    axes.set_aspect("equal")


DATA_URI_PREFIX = "data:image/png;base64,"


def png_bytes(figure: Figure) -> bytes:
    """The figure drawn as the catalog's PNG file (same save arguments)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, **SAVE_ARGS)
    return buffer.getvalue()


def data_uri(figure: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, rendered as the catalog renders it."""
    return DATA_URI_PREFIX + base64.b64encode(png_bytes(figure)).decode("ascii")


class DrawnFigure:
    """A figure already drawn to PNG bytes, saved as such by ``matplotlib.MatplotlibDataset``
    (which asks what it saves to ``savefig`` itself into a buffer)."""

    def __init__(self, png: bytes):
        self.png = png

    def savefig(self, target, **save_args) -> None:
        if save_args != SAVE_ARGS:
            raise ValueError(
                f"the report's figures are drawn with save_args {SAVE_ARGS}; the catalog asks for {save_args} "
                "(conf/base/catalog.yml, report_figures_{section})"
            )
        target.write(self.png)


def drawn_figures(figures: dict[str, Figure], blocks: list[dict]) -> dict[str, DrawnFigure]:
    """Each of a section's figures as the PNG its page block already embeds (a figure without a
    block is drawn here), for the catalog's figure files."""
    embedded = {b["name"]: b["src"] for b in blocks if b["kind"] == "figure"}
    return {
        name: DrawnFigure(
            base64.b64decode(embedded[name].removeprefix(DATA_URI_PREFIX)) if name in embedded else png_bytes(figure)
        )
        for name, figure in figures.items()
    }


def figure_block(name: str, figure: Figure, title: str, caption: str) -> dict:
    """A report block for a figure: its file name (under the section's figure folder), words and image."""
    return {"kind": "figure", "name": name, "title": title, "caption": caption, "src": data_uri(figure)}
