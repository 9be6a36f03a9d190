"""The charts of the loan-demand section (M2): predicted against actual utilization, the threshold curve."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, finish_rate_axes, new_figure, square_axes
from customer_classification.pipelines.reporting.params import ReportingParams


def predicted_vs_actual_figure(predictions: pd.DataFrame, threshold: float, params: ReportingParams, quantity: str):
    predicted, actual = predictions["predicted"].to_numpy(), predictions["actual"].to_numpy()
    figure, axes = new_figure(params.figure_width_in, 5.0, params.figure_dpi)
    axes.scatter(predicted, actual, s=4, alpha=0.25, color=PALETTE[0], linewidths=0, label="A test customer")
    bins = np.maximum((predicted * 20).astype(int), 0)
    means = pd.DataFrame({"bin": bins, "predicted": predicted, "actual": actual}).groupby("bin").mean()
    axes.plot(means["predicted"], means["actual"], marker="o", color=PALETTE[1], label="Mean per 5-point bin")
    top = max(1.0, float(np.nanmax(actual)), float(np.nanmax(predicted)))
    axes.plot([0, top], [0, top], color=PALETTE[7], linestyle="--", label="Predicted = actual")
    axes.axvline(threshold, color=PALETTE[3], linewidth=1)
    axes.axhline(threshold, color=PALETTE[3], linewidth=1, linestyle=":")
    axes.annotate(
        f"threshold {say.percent(threshold, 0)}", (threshold, 0.02), xytext=(4, 0), textcoords="offset points"
    )
    square_axes(axes, top)
    finish_rate_axes(
        axes,
        f"Predicted {quantity}",
        f"Actual {quantity}",
        "Predicted against actual utilization, test snapshot",
        loc="upper left",
        fontsize=8,
    )
    return figure


def threshold_figure(curve: pd.DataFrame, threshold: float, params: ReportingParams, quantity: str):
    figure, axes = new_figure(params.figure_width_in, 3.8, params.figure_dpi)
    axes.plot(curve["cutoff"], curve["precision"], color=PALETTE[0], label="Precision: flagged who did exceed it")
    axes.plot(curve["cutoff"], curve["recall"], color=PALETTE[1], label="Recall: of those who exceeded it, flagged")
    axes.plot(curve["cutoff"], curve["flagged_share"], color=PALETTE[2], linestyle="--", label="Customers flagged")
    axes.axvline(threshold, color=PALETTE[3], linewidth=1)
    axes.annotate(
        f"chosen cut-off {say.percent(threshold, 0)}", (threshold, 0.03), xytext=(4, 0), textcoords="offset points"
    )
    axes.set_xlim(0, max(1.0, float(curve["cutoff"].max())))
    axes.set_ylim(0, 1.02)
    finish_rate_axes(
        axes,
        f"Cut-off on the predicted {quantity} (flag a customer above it)",
        "Share",
        f"Threshold curve: finding customers whose {quantity.partition(' (')[0]} is above {say.percent(threshold, 0)}",
        loc="lower left",
        fontsize=8,
    )
    return figure
