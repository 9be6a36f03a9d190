"""Customer potential value (M1): how well the model ranks upgrades, its tiers, and what drives it.

The section is built in three steps: the data (:class:`_Tiering`, the rows of the tables),
the prose (intro, summary line, captions) and the layout (:func:`potential_section`,
blocks in reading order). The blocks it shares with M2 are in :mod:`.model_parts`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import (
    PALETTE,
    figure_block,
    new_figure,
    percent_axes,
    percent_axis,
    report_style,
)
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block
from customer_classification.pipelines.reporting.sections.model_parts import (
    IMPORTANCE_FIGURE,
    ModelWords,
    closing_blocks,
    family_words,
    importance_figure,
)

WORDS = ModelWords(
    importance_title="What the model looks at most: feature importance",
    scores="potential_scores",
    reason_share="Share of the tier",
    comparison_columns={
        "validation_auc": ("AUC on the validation snapshot", ".3f"),
        "test_auc": ("AUC on the test snapshot", ".3f"),
        "test_ks": ("KS on the test snapshot", ".3f"),
    },
    comparison_note="Each family's best trial of the study; the model is chosen on validation only.",
    demo_key="potential_model",
    demo_metric="auc",
    demo_metric_words="AUC",
    demo_truth="the demo's planted upgrade probabilities",
)

# Title and caption of each figure, in the order the section shows them (gain's caption is in _gain_caption).
FIGURE_WORDS = {
    "tiers.png": (
        "Tier sizes and observed upgrade rates",
        "Left: customers per tier at the scoring snapshot. Right: on the test snapshot, the share of each "
        "tier that reached the high-value line, next to what the model predicted.",
    ),
    "roc.png": (
        "ROC curve",
        "Every cut-off on the predicted probability: the share of upgraders it flags against the share "
        "of the other customers it flags.",
    ),
    "ks.png": (
        "KS chart",
        "Contacting customers from the highest predicted probability down: the share of upgraders and of "
        "the others reached. KS is the largest gap between the two lines.",
    ),
    "calibration.png": (
        "Calibration",
        "Per decile of predicted probability (1 = highest): the mean predicted probability against the "
        "share that upgraded. Points on the dashed line mean the probabilities can be read as rates.",
    ),
}
TIER_COLUMNS = (
    "Tier",
    "Customers at {snapshot}",
    "Share",
    "Test customers",
    "Observed upgrade rate (test)",
    "Mean predicted probability (test)",
)
SUMMARY_METRICS = ("auc", "gini", "ks", "pr_auc", "brier", "top_decile_lift")


def _roc_figure(predictions: pd.DataFrame, auc: float, params: ReportingParams):
    false_positive, true_positive, _ = roc_curve(predictions["actual"], predictions["predicted"])
    figure, axes = new_figure(params.figure_width_in, 4.2, params.figure_dpi)
    axes.plot(false_positive, true_positive, color=PALETTE[0], label=f"The model (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], color=PALETTE[7], linestyle="--", label="Random order (AUC 0.5)")
    axes.set_xlabel("Share of customers who did not upgrade, flagged (false-positive rate)")
    axes.set_ylabel("Share of upgraders flagged (true-positive rate)")
    percent_axes(axes)
    axes.set_aspect("equal")
    axes.legend(loc="lower right", frameon=False)
    axes.set_title("ROC curve on the test snapshot")
    return figure


def _cumulative_shares(predictions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(share of customers, of upgraders, of non-upgraders) reached contacting the highest scores first."""
    order = np.argsort(-predictions["predicted"].to_numpy(), kind="stable")
    upgraded = predictions["actual"].to_numpy()[order].astype(bool)
    n = len(upgraded)
    reached = np.r_[0, np.arange(1, n + 1) / n]
    return reached, np.r_[0, np.cumsum(upgraded) / upgraded.sum()], np.r_[0, np.cumsum(~upgraded) / (~upgraded).sum()]


def _ks_figure(predictions: pd.DataFrame, ks: float, params: ReportingParams):
    reached, upgraders, others = _cumulative_shares(predictions)
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
    axes.set_xlabel("Share of customers contacted, highest predicted probability first")
    axes.set_ylabel("Cumulative share")
    percent_axes(axes)
    axes.legend(loc="lower right", frameon=False)
    axes.set_title("KS chart: how far the model separates upgraders from the others")
    return figure


def _gain_figure(gain: pd.DataFrame, params: ReportingParams):
    figure, (left, right) = new_figure(params.figure_width_in, 3.6, params.figure_dpi, ncols=2)
    contacted = np.r_[0, gain["decile"] / len(gain)]
    left.plot(contacted, np.r_[0, gain["cumulative_gain"]], marker="o", color=PALETTE[0], label="The model")
    left.plot([0, 1], [0, 1], color=PALETTE[7], linestyle="--", label="Random order")
    left.set_xlabel("Share of customers contacted (by decile of score)")
    left.set_ylabel("Share of all upgraders found (cumulative gain)")
    percent_axes(left)
    left.legend(loc="lower right", frameon=False)
    left.set_title("Cumulative gain")
    right.bar(gain["decile"], gain["lift"], color=PALETTE[0])
    right.axhline(1, color=PALETTE[7], linestyle="--")
    right.set_xticks(gain["decile"])
    right.set_xlabel("Decile of predicted probability (1 = highest)")
    right.set_ylabel("Upgrade rate against the average (lift, times)")
    right.set_title("Lift per decile")
    return figure


def _calibration_figure(gain: pd.DataFrame, params: ReportingParams):
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
    axes.set_xlim(0, top)
    axes.set_ylim(0, top)
    axes.set_aspect("equal")
    axes.set_xlabel("Predicted upgrade probability (mean per decile)")
    axes.set_ylabel("Observed upgrade rate (per decile)")
    percent_axes(axes)
    axes.legend(loc="upper left", frameon=False)
    axes.set_title("Calibration: predicted probability against the observed rate")
    return figure


def _tier_figure(scoring_counts: pd.Series, tiers: pd.DataFrame, snapshot: str, params: ReportingParams):
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


# The data.


class _Tiering(NamedTuple):
    """The tiers at the scoring snapshot and on the test snapshot, and the gain table."""

    snapshot: str  # the scoring snapshot, ISO date
    customers: int  # long-tail customers in tiers at the scoring snapshot
    counts: pd.Series  # customers per tier (as text) at the scoring snapshot
    tiers: pd.DataFrame  # per tier on the test snapshot, tier as text, best tier first
    gain: pd.DataFrame  # per decile of score: cumulative gain, lift, mean score, positive rate

    @property
    def top_gain(self) -> float:
        """The share of all upgraders in the top 10% of scores."""
        return self.gain["cumulative_gain"].iloc[0]

    def tier_size(self, tier: str) -> int:
        return self.counts.get(tier, 0)


def _tiering(metrics: dict, tiers: pd.DataFrame, scores: pd.DataFrame) -> _Tiering:
    return _Tiering(
        snapshot=pd.Timestamp(scores["snapshot_date"].iloc[0]).date().isoformat(),
        customers=len(scores),
        counts=scores["tier"].astype(str).value_counts(),
        tiers=tiers.assign(tier=tiers["tier"].astype(str)),
        gain=pd.DataFrame(metrics["gain_table"]),
    )


def _metric_rows(test: dict) -> list[list[str]]:
    """The champion's test metrics: name, value, what it means."""
    return [
        ["Area under the ROC curve (AUC)", f"{test['auc']:.3f}", "0.5 is random order, 1 a perfect ranking"],
        ["Gini coefficient", f"{test['gini']:.3f}", "2 x AUC - 1"],
        ["Kolmogorov-Smirnov (KS)", f"{test['ks']:.3f}", "largest gap between upgraders and the others"],
        ["Precision-recall AUC", f"{test['pr_auc']:.3f}", f"base rate {say.percent(test['positive_rate'])}"],
        ["Brier score", f"{test['brier']:.4f}", "mean squared error of the probability; lower is better"],
        ["Top-decile lift", f"{test['top_decile_lift']:.2f} times", "upgrade rate of the top 10% against all"],
        ["Observed upgrade rate", say.percent(test["positive_rate"]), f"{say.count(test['n'])} test customers"],
        ["Mean predicted probability", say.percent(test["mean_probability"]), "compare with the observed rate above"],
    ]


def _tier_rows(tiering: _Tiering) -> list[list[str]]:
    """Per tier: customers and share at the scoring snapshot; test customers, observed and predicted rates."""
    return [
        [
            f"Tier {t.tier}",
            say.count(tiering.tier_size(t.tier)),
            say.percent(tiering.tier_size(t.tier) / tiering.customers),
            say.count(t.customers),
            say.percent(t.observed_rate),
            say.percent(t.mean_probability),
        ]
        for t in tiering.tiers.itertuples()
    ]


def _summary_metrics(tiering: _Tiering, metrics: dict) -> dict:
    """The section's numbers for ``report_summary.json``."""
    return {
        "customers": tiering.customers,
        "snapshot": tiering.snapshot,
        "tiers": {t: int(tiering.tier_size(t)) for t in tiering.tiers["tier"]},
        **{k: metrics["test"][k] for k in SUMMARY_METRICS},
        "champion": metrics["champion"]["family"],
    }


# The prose.


def _intro(metrics: dict) -> str:
    return (
        "Among long-tail customers (assets under management below the high-value line), the model predicts "
        "who reaches the line within the outcome window. It is trained on the snapshots "
        f"{', '.join(metrics['trained_on'])} and evaluated on {metrics['test_snapshot']}, a later snapshot and "
        f"other customers. The chosen model is {family_words(metrics['champion']['family'], capital=False)}, its "
        f"probabilities calibrated ({metrics['calibration']['method']}). Customers are put in tiers by their "
        "predicted probability."
    )


def _summary_value(tiering: _Tiering, test: dict) -> str:
    return (
        f"{say.count(tiering.customers)} long-tail customers in tiers at {tiering.snapshot}; test AUC "
        f"{test['auc']:.3f} (Gini {test['gini']:.3f}, KS {test['ks']:.3f}), the top 10% of scores hold "
        f"{say.percent(tiering.top_gain)} of the upgrades ({test['top_decile_lift']:.1f} times the average rate)"
    )


def _tier_items(tiering: _Tiering) -> list[str]:
    """One summary item per tier: its size at the scoring snapshot and its observed rate on the test one."""
    return [
        f"Tier {t.tier}: {say.count(tiering.tier_size(t.tier))} customers "
        f"({say.percent(tiering.tier_size(t.tier) / tiering.customers)}); on the test snapshot "
        f"{say.percent(t.observed_rate)} of tier {t.tier} upgraded"
        for t in tiering.tiers.itertuples()
    ]


def _gain_caption(tiering: _Tiering) -> str:
    return f"Contacting the top 10% of scores finds {say.percent(tiering.top_gain)} of the upgraders."


# The layout.


def _figures(tiering: _Tiering, metrics: dict, predictions: pd.DataFrame, params: ReportingParams) -> dict:
    test = metrics["test"]
    return {
        "roc.png": _roc_figure(predictions, test["auc"], params),
        "ks.png": _ks_figure(predictions, test["ks"], params),
        "gain.png": _gain_figure(tiering.gain, params),
        "calibration.png": _calibration_figure(tiering.gain, params),
        IMPORTANCE_FIGURE: importance_figure(metrics["feature_importance"], WORDS.importance_title, params),
        "tiers.png": _tier_figure(tiering.counts, tiering.tiers, tiering.snapshot, params),
    }


def _figure_block(figures: dict, name: str) -> dict:
    return figure_block(name, figures[name], *FIGURE_WORDS[name])


@report_style
def potential_section(
    params: ReportingParams,
    potential_model_metrics: dict,
    potential_model_comparison: pd.DataFrame,
    potential_model_tiers: pd.DataFrame,
    potential_model_test_predictions: pd.DataFrame,
    potential_scores: pd.DataFrame,
    model_demo_evaluation: dict | None,
) -> tuple[dict, dict]:
    """Figures and content of the section on customer potential value (pipeline ``potential_model``).

    Args:
        params: the report's settings.
        potential_model_metrics: test metrics, gain table, tiers and feature importance of the champion.
        potential_model_comparison: one row per model family (validation and test AUC ...).
        potential_model_tiers: per tier on the test snapshot: customers, observed rate, mean probability.
        potential_model_test_predictions: per test customer the predicted probability and the 0/1 outcome.
        potential_scores: the scoring snapshot's long-tail customers with probability, tier and reasons.
        model_demo_evaluation: the models against the demo's planted truth, or ``None`` on a real bank.

    Returns:
        ``({file name: Figure}, section content)``.
    """
    metrics = potential_model_metrics
    tiering = _tiering(metrics, potential_model_tiers, potential_scores)
    figures = _figures(tiering, metrics, potential_model_test_predictions, params)
    best_tier = str(tiering.tiers["tier"].iloc[0])
    blocks = [
        table_block("Tiers", [c.format(snapshot=tiering.snapshot) for c in TIER_COLUMNS], _tier_rows(tiering)),
        _figure_block(figures, "tiers.png"),
        table_block(
            f"Key metrics on the test snapshot {metrics['test_snapshot']}",
            ["Metric", "Value", "What it means"],
            _metric_rows(metrics["test"]),
        ),
        _figure_block(figures, "roc.png"),
        _figure_block(figures, "ks.png"),
        figure_block("gain.png", figures["gain.png"], "Gain and lift", _gain_caption(tiering)),
        _figure_block(figures, "calibration.png"),
        *closing_blocks(
            WORDS,
            figures[IMPORTANCE_FIGURE],
            potential_scores,
            potential_scores["tier"].astype(str) == best_tier,
            f"Most frequent first reason of tier {best_tier} customers at {tiering.snapshot}",
            potential_model_comparison,
            model_demo_evaluation,
        ),
    ]
    content = {
        "intro": _intro(metrics),
        "summary": [
            summary_line(
                "Customer potential value (tiers)", _summary_value(tiering, metrics["test"]), _tier_items(tiering)
            )
        ],
        "metrics": _summary_metrics(tiering, metrics),
        "blocks": blocks,
    }
    return figures, content
