"""The charts of the customer-potential section (M1): ROC, KS, gain and lift, calibration, tiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import (
    PALETTE,
    finish_rate_axes,
    new_figure,
    percent_axis,
    square_axes,
)
from customer_classification.pipelines.reporting.params import ReportingParams


def roc_figure(predictions: pd.DataFrame, auc: float, params: ReportingParams):
    false_positive, true_positive, _ = roc_curve(predictions["actual"], predictions["predicted"])
    figure, axes = new_figure(params.figure_width_in, 4.2, params.figure_dpi)
    axes.plot(false_positive, true_positive, color=PALETTE[0], label=f"The model (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], color=PALETTE[7], linestyle="--", label="Random order (AUC 0.5)")
    axes.set_aspect("equal")
    finish_rate_axes(
        axes,
        "Share of customers who did not upgrade, flagged (false-positive rate)",
        "Share of upgraders flagged (true-positive rate)",
        "ROC curve on the test snapshot",
        loc="lower right",
    )
    return figure


def cumulative_shares(predictions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(share of customers, of upgraders, of non-upgraders) reached contacting the highest scores first."""
    order = np.argsort(-predictions["predicted"].to_numpy(), kind="stable")
    upgraded = predictions["actual"].to_numpy()[order].astype(bool)
    n = len(upgraded)
    reached = np.r_[0, np.arange(1, n + 1) / n]
    return reached, np.r_[0, np.cumsum(upgraded) / upgraded.sum()], np.r_[0, np.cumsum(~upgraded) / (~upgraded).sum()]


def ks_figure(predictions: pd.DataFrame, ks: float, params: ReportingParams):
    reached, upgraders, others = cumulative_shares(predictions)
    gap = int(np.argmax(upgraders - others))
    figure, axes = new_figure(params.figure_width_in, 3.6, params.figure_dpi)
    axes.plot(reached, upgraders, color=PALETTE[0], label="Upgraders reached")
    axes.plot(reached, others, color=PALETTE[1], label="Customers who did not upgrade reached")
    axes.vlines(reached[gap], others[gap], upgraders[gap], color=PALETTE[3], linewidth=2)
    axes.annotate(
        f"largest gap (KS) {ks:.2f}\nat the top {say.percent(reached[gap], 0)} of scores",
        (reached[gap], (others[gap] + upgraders[gap]) / 2),
        xytext=(12, 0),
        textcoords="offset points",
        va="center",
        fontsize=8,
    )
    finish_rate_axes(
        axes,
        "Share of customers contacted, highest predicted probability first",
        "Cumulative share",
        "KS chart: how far the model separates upgraders from the others",
        loc="lower right",
    )
    return figure


def gain_figure(gain: pd.DataFrame, params: ReportingParams):
    figure, (left, right) = new_figure(params.figure_width_in, 3.6, params.figure_dpi, ncols=2)
    contacted = np.r_[0, gain["decile"] / len(gain)]
    left.plot(contacted, np.r_[0, gain["cumulative_gain"]], marker="o", color=PALETTE[0], label="The model")
    left.plot([0, 1], [0, 1], color=PALETTE[7], linestyle="--", label="Random order")
    finish_rate_axes(
        left,
        "Share of customers contacted (by decile of score)",
        "Share of all upgraders found (cumulative gain)",
        "Cumulative gain",
        loc="lower right",
    )
    right.bar(gain["decile"], gain["lift"], color=PALETTE[0])
    right.axhline(1, color=PALETTE[7], linestyle="--")
    right.set_xticks(gain["decile"])
    right.set_xlabel("Decile of predicted probability (1 = highest)")
    right.set_ylabel("Upgrade rate against the average (lift, times)")
    right.set_title("Lift per decile")
    return figure


def calibration_figure(gain: pd.DataFrame, params: ReportingParams):
    figure, axes = new_figure(params.figure_width_in, 4.2, params.figure_dpi)
    top = 1.08 * max(gain["mean_score"].max(), gain["positive_rate"].max())
    axes.plot([0, top], [0, top], color=PALETTE[7], linestyle="--", label="Perfect calibration")
    axes.plot(gain["mean_score"], gain["positive_rate"], marker="o", color=PALETTE[0], label="Deciles of the model")
    # the low deciles crowd near zero: name the top three and the rest as a group
    for row in gain.head(3).itertuples():
        axes.annotate(
            f"decile {row.decile}", (row.mean_score, row.positive_rate), xytext=(5, -11), textcoords="offset points"
        )
    rest = gain.iloc[3:]
    if len(rest):
        axes.annotate(
            f"deciles {rest['decile'].iloc[0]}-{rest['decile'].iloc[-1]}",
            (rest["mean_score"].max(), rest["positive_rate"].max()),
            xytext=(-15, 70),
            textcoords="offset points",
            arrowprops={"arrowstyle": "-", "color": PALETTE[7]},
        )
    square_axes(axes, top)
    finish_rate_axes(
        axes,
        "Predicted upgrade probability (mean per decile)",
        "Observed upgrade rate (per decile)",
        "Calibration: predicted probability against the observed rate",
        loc="upper left",
    )
    return figure


def tier_figure(scoring_counts: pd.Series, tiers: pd.DataFrame, snapshot: str, params: ReportingParams):
    figure, (left, right) = new_figure(params.figure_width_in, 3.4, params.figure_dpi, ncols=2)
    names = [str(t) for t in tiers["tier"]]
    x = np.arange(len(names))
    left.bar(x, scoring_counts.reindex(names).to_numpy(), color=PALETTE[0])
    left.set_xticks(x, [f"Tier {t}" for t in names])
    left.set_ylabel("Long-tail customers (count)")
    left.set_title(f"Tier sizes at {snapshot}")
    right.bar(x - 0.2, tiers["observed_rate"], 0.4, color=PALETTE[0], label="Observed upgrade rate")
    right.bar(x + 0.2, tiers["mean_probability"], 0.4, color=PALETTE[1], label="Mean predicted probability")
    right.set_xticks(x, [f"Tier {t}" for t in names])
    right.set_ylabel("Upgrade within the window (share)")
    percent_axis(right.yaxis)
    right.legend(frameon=False, fontsize=8)
    right.set_title("Observed upgrade rate per tier, test snapshot")
    return figure
