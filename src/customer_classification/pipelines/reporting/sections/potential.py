"""Customer potential value (M1): how well the model ranks upgrades, its tiers, and what drives it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block, text_block
from customer_classification.pipelines.reporting.sections.model_parts import (
    comparison_block,
    demo_check_text,
    family_words,
    importance_figure,
    reason_rows,
)

_UPGRADERS = "Customers who reached the high-value line"


def _percent_axis(axis) -> None:
    axis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")


def _roc_figure(predictions: pd.DataFrame, auc: float, params: ReportingParams):
    false_positive, true_positive, _ = roc_curve(predictions["actual"], predictions["predicted"])
    figure, axes = new_figure(params.figure_width_in, 4.2, params.figure_dpi)
    axes.plot(false_positive, true_positive, color=PALETTE[0], label=f"The model (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], color=PALETTE[7], linestyle="--", label="Random order (AUC 0.5)")
    axes.set_xlabel("Share of customers who did not upgrade, flagged (false-positive rate)")
    axes.set_ylabel("Share of upgraders flagged (true-positive rate)")
    _percent_axis(axes.xaxis)
    _percent_axis(axes.yaxis)
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
    _percent_axis(axes.xaxis)
    _percent_axis(axes.yaxis)
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
    _percent_axis(left.xaxis)
    _percent_axis(left.yaxis)
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
    _percent_axis(axes.xaxis)
    _percent_axis(axes.yaxis)
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
    _percent_axis(right.yaxis)
    right.legend(frameon=False, fontsize=8)
    right.set_title("Observed upgrade rate per tier, test snapshot")
    return figure


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
    metrics, test = potential_model_metrics, potential_model_metrics["test"]
    gain = pd.DataFrame(metrics["gain_table"])
    snapshot = pd.Timestamp(potential_scores["snapshot_date"].iloc[0]).date().isoformat()
    counts = potential_scores["tier"].astype(str).value_counts()
    tiers = potential_model_tiers.assign(tier=potential_model_tiers["tier"].astype(str))
    figures = {
        "roc.png": _roc_figure(potential_model_test_predictions, test["auc"], params),
        "ks.png": _ks_figure(potential_model_test_predictions, test["ks"], params),
        "gain.png": _gain_figure(gain, params),
        "calibration.png": _calibration_figure(gain, params),
        "feature_importance.png": importance_figure(
            metrics["feature_importance"], "What the model looks at most: feature importance", params
        ),
        "tiers.png": _tier_figure(counts, tiers, snapshot, params),
    }
    customers = len(potential_scores)
    tier_items = [
        f"Tier {t.tier}: {say.count(counts.get(t.tier, 0))} customers "
        f"({say.percent(counts.get(t.tier, 0) / customers)}); on the test snapshot "
        f"{say.percent(t.observed_rate)} of tier {t.tier} upgraded"
        for t in tiers.itertuples()
    ]
    top_gain = gain["cumulative_gain"].iloc[0]
    line = (
        f"{say.count(customers)} long-tail customers in tiers at {snapshot}; test AUC {test['auc']:.3f} "
        f"(Gini {test['gini']:.3f}, KS {test['ks']:.3f}), the top 10% of scores hold "
        f"{say.percent(top_gain)} of the upgrades ({test['top_decile_lift']:.1f} times the average rate)"
    )
    metric_rows = [
        ["Area under the ROC curve (AUC)", f"{test['auc']:.3f}", "0.5 is random order, 1 a perfect ranking"],
        ["Gini coefficient", f"{test['gini']:.3f}", "2 x AUC - 1"],
        ["Kolmogorov-Smirnov (KS)", f"{test['ks']:.3f}", "largest gap between upgraders and the others"],
        ["Precision-recall AUC", f"{test['pr_auc']:.3f}", f"base rate {say.percent(test['positive_rate'])}"],
        ["Brier score", f"{test['brier']:.4f}", "mean squared error of the probability; lower is better"],
        ["Top-decile lift", f"{test['top_decile_lift']:.2f} times", "upgrade rate of the top 10% against all"],
        ["Observed upgrade rate", say.percent(test["positive_rate"]), f"{say.count(test['n'])} test customers"],
        ["Mean predicted probability", say.percent(test["mean_probability"]), "compare with the observed rate above"],
    ]
    tier_rows = [
        [
            f"Tier {t.tier}",
            say.count(counts.get(t.tier, 0)),
            say.percent(counts.get(t.tier, 0) / customers),
            say.count(t.customers),
            say.percent(t.observed_rate),
            say.percent(t.mean_probability),
        ]
        for t in tiers.itertuples()
    ]
    best_tier = str(tiers["tier"].iloc[0])
    demo = demo_check_text(
        model_demo_evaluation, "potential_model", "auc", "AUC", "the demo's planted upgrade probabilities"
    )
    champion = family_words(metrics["champion"]["family"], capital=False)
    content = {
        "intro": (
            "Among long-tail customers (assets under management below the high-value line), the model predicts "
            "who reaches the line within the outcome window. It is trained on the snapshots "
            f"{', '.join(metrics['trained_on'])} and evaluated on {metrics['test_snapshot']}, a later snapshot and "
            f"other customers. The chosen model is {champion}, its probabilities calibrated "
            f"({metrics['calibration']['method']}). Customers are put in tiers by their predicted probability."
        ),
        "summary": [summary_line("Customer potential value (tiers)", line, tier_items)],
        "metrics": {
            "customers": customers,
            "snapshot": snapshot,
            "tiers": {t: int(counts.get(t, 0)) for t in tiers["tier"]},
            **{k: test[k] for k in ("auc", "gini", "ks", "pr_auc", "brier", "top_decile_lift")},
            "champion": metrics["champion"]["family"],
        },
        "blocks": [
            table_block(
                "Tiers",
                [
                    "Tier",
                    f"Customers at {snapshot}",
                    "Share",
                    "Test customers",
                    "Observed upgrade rate (test)",
                    "Mean predicted probability (test)",
                ],
                tier_rows,
            ),
            figure_block(
                "tiers.png",
                figures["tiers.png"],
                "Tier sizes and observed upgrade rates",
                "Left: customers per tier at the scoring snapshot. Right: on the test snapshot, the share of each "
                "tier that reached the high-value line, next to what the model predicted.",
            ),
            table_block(
                f"Key metrics on the test snapshot {metrics['test_snapshot']}",
                ["Metric", "Value", "What it means"],
                metric_rows,
            ),
            figure_block(
                "roc.png",
                figures["roc.png"],
                "ROC curve",
                "Every cut-off on the predicted probability: the share of upgraders it flags against the share "
                "of the other customers it flags.",
            ),
            figure_block(
                "ks.png",
                figures["ks.png"],
                "KS chart",
                "Contacting customers from the highest predicted probability down: the share of upgraders and of "
                "the others reached. KS is the largest gap between the two lines.",
            ),
            figure_block(
                "gain.png",
                figures["gain.png"],
                "Gain and lift",
                f"Contacting the top 10% of scores finds {say.percent(top_gain)} of the upgraders.",
            ),
            figure_block(
                "calibration.png",
                figures["calibration.png"],
                "Calibration",
                "Per decile of predicted probability (1 = highest): the mean predicted probability against the "
                "share that upgraded. Points on the dashed line mean the probabilities can be read as rates.",
            ),
            figure_block(
                "feature_importance.png",
                figures["feature_importance.png"],
                "Feature importance",
                "The features whose splits improve the gradient-boosted trees the most (share of the total gain).",
            ),
            table_block(
                f"Most frequent first reason of tier {best_tier} customers at {snapshot}",
                ["Reason (feature)", "Customers", "Share of the tier"],
                reason_rows(potential_scores, potential_scores["tier"].astype(str) == best_tier),
                "Every customer's three strongest reasons are in data/07_model_output/potential_scores.parquet.",
            ),
            comparison_block(
                potential_model_comparison,
                {
                    "validation_auc": ("AUC on the validation snapshot", ".3f"),
                    "test_auc": ("AUC on the test snapshot", ".3f"),
                    "test_ks": ("KS on the test snapshot", ".3f"),
                },
                "Each family's best trial of the study; the model is chosen on validation only.",
            ),
            *([text_block(demo)] if demo else []),
        ],
    }
    return figures, content
