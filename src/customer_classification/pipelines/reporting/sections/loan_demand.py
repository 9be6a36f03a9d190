"""Potential loan customers (M2): predicted credit-line utilization against the realised one, and the threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

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

# cut-offs on the predicted utilization drawn in the threshold curve
_CUTOFFS = np.round(np.arange(0.05, 1.0, 0.01), 2)


def _percent_axis(axis) -> None:
    axis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")


def _predicted_vs_actual_figure(predictions: pd.DataFrame, threshold: float, params: ReportingParams):
    predicted, actual = predictions["predicted"].to_numpy(), predictions["actual"].to_numpy()
    figure, axes = new_figure(params.figure_width_in, 5.0, params.figure_dpi)
    axes.scatter(predicted, actual, s=4, alpha=0.25, color=PALETTE[0], linewidths=0, label="A test customer")
    bins = np.clip((predicted * 20).astype(int), 0, 19)
    means = pd.DataFrame({"bin": bins, "predicted": predicted, "actual": actual}).groupby("bin").mean()
    axes.plot(means["predicted"], means["actual"], marker="o", color=PALETTE[1], label="Mean per 5-point bin")
    top = max(1.0, float(np.nanmax(actual)), float(np.nanmax(predicted)))
    axes.plot([0, top], [0, top], color=PALETTE[7], linestyle="--", label="Predicted = actual")
    axes.axvline(threshold, color=PALETTE[3], linewidth=1)
    axes.axhline(threshold, color=PALETTE[3], linewidth=1, linestyle=":")
    axes.annotate(
        f"threshold {say.percent(threshold, 0)}", (threshold, 0.02), xytext=(4, 0), textcoords="offset points"
    )
    axes.set_xlim(0, top)
    axes.set_ylim(0, top)
    axes.set_aspect("equal")
    axes.set_xlabel("Predicted credit-line utilization at the end of the window (drawn / limit)")
    axes.set_ylabel("Actual utilization (drawn / limit)")
    _percent_axis(axes.xaxis)
    _percent_axis(axes.yaxis)
    axes.legend(loc="upper left", frameon=False, fontsize=8)
    axes.set_title("Predicted against actual utilization, test snapshot")
    return figure


def threshold_curve(predictions: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per cut-off on the predicted utilization: precision and recall against 'actual above ``threshold``',
    and the share of customers flagged. At ``cutoff == threshold`` these are the pipeline's own figures."""
    predicted, realised = predictions["predicted"].to_numpy(), predictions["actual"].to_numpy() > threshold
    rows = []
    for cutoff in np.union1d(_CUTOFFS, [threshold]):
        flagged = predicted > cutoff
        hits = (flagged & realised).sum()
        rows.append(
            {
                "cutoff": cutoff,
                "precision": hits / flagged.sum() if flagged.any() else np.nan,
                "recall": hits / realised.sum() if realised.any() else np.nan,
                "flagged_share": flagged.mean(),
            }
        )
    return pd.DataFrame(rows)


def _threshold_figure(curve: pd.DataFrame, threshold: float, params: ReportingParams):
    figure, axes = new_figure(params.figure_width_in, 3.8, params.figure_dpi)
    axes.plot(curve["cutoff"], curve["precision"], color=PALETTE[0], label="Precision: flagged who did exceed it")
    axes.plot(curve["cutoff"], curve["recall"], color=PALETTE[1], label="Recall: of those who exceeded it, flagged")
    axes.plot(curve["cutoff"], curve["flagged_share"], color=PALETTE[2], linestyle="--", label="Customers flagged")
    axes.axvline(threshold, color=PALETTE[3], linewidth=1)
    axes.annotate(
        f"chosen cut-off {say.percent(threshold, 0)}", (threshold, 0.03), xytext=(4, 0), textcoords="offset points"
    )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("Cut-off on the predicted utilization (flag a customer above it)")
    axes.set_ylabel("Share")
    _percent_axis(axes.xaxis)
    _percent_axis(axes.yaxis)
    axes.legend(loc="lower left", frameon=False, fontsize=8)
    axes.set_title(f"Threshold curve: finding customers whose utilization ends above {say.percent(threshold, 0)}")
    return figure


@report_style
def loan_demand_section(
    params: ReportingParams,
    loan_demand_metrics: dict,
    loan_demand_comparison: pd.DataFrame,
    loan_demand_test_predictions: pd.DataFrame,
    loan_demand_scores: pd.DataFrame,
    model_demo_evaluation: dict | None,
) -> tuple[dict, dict]:
    """Figures and content of the section on potential loan customers (pipeline ``loan_demand``).

    Args:
        params: the report's settings.
        loan_demand_metrics: test RMSE, MAE, R², the threshold's precision and recall, feature importance.
        loan_demand_comparison: one row per model family (validation and test RMSE ...).
        loan_demand_test_predictions: per test customer with a credit line the predicted and actual utilization.
        loan_demand_scores: every customer of the scoring snapshot: predicted utilization, flag and reasons.
        model_demo_evaluation: the models against the demo's planted truth, or ``None`` on a real bank.

    Returns:
        ``({file name: Figure}, section content)``.
    """
    metrics, test, at = loan_demand_metrics, loan_demand_metrics["test"], loan_demand_metrics["potential_threshold"]
    threshold = at["threshold"]
    snapshot = pd.Timestamp(loan_demand_scores["snapshot_date"].iloc[0]).date().isoformat()
    flagged = loan_demand_scores["is_potential_loan_customer"].astype(bool)
    customers, potential = len(loan_demand_scores), int(flagged.sum())
    curve = threshold_curve(loan_demand_test_predictions, threshold)
    figures = {
        "predicted_vs_actual.png": _predicted_vs_actual_figure(loan_demand_test_predictions, threshold, params),
        "threshold_curve.png": _threshold_figure(curve, threshold, params),
        "feature_importance.png": importance_figure(
            metrics["feature_importance"], "What the utilization model looks at most: feature importance", params
        ),
    }
    line = (
        f"{say.count(potential)} of {say.count(customers)} customers ({say.percent(potential / customers)}) at "
        f"{snapshot} are expected to use more than {say.percent(threshold, 0)} of their credit line; on the test "
        f"snapshot {say.percent(at['precision'])} of those flagged did (precision) and "
        f"{say.percent(at['recall'])} of those who did were flagged (recall); R² {test['r2']:.3f}"
    )
    metric_rows = [
        ["Root mean squared error (RMSE)", f"{100 * test['rmse']:.1f} percentage points", "typical size of an error"],
        ["Mean absolute error (MAE)", f"{100 * test['mae']:.1f} percentage points", "average size of an error"],
        ["R² (explained variance)", f"{test['r2']:.3f}", "1 is perfect, 0 no better than the average"],
        [
            f"Precision above {say.percent(threshold, 0)}",
            say.percent(at["precision"]),
            f"of {say.count(at['flagged'])} customers flagged, the share who did exceed it",
        ],
        [
            f"Recall above {say.percent(threshold, 0)}",
            say.percent(at["recall"]),
            f"of {say.count(at['realised_high'])} customers who exceeded it, the share flagged",
        ],
    ]
    cutoff_rows = [
        [say.percent(r.cutoff, 0), say.percent(r.flagged_share), say.percent(r.precision), say.percent(r.recall)]
        for r in curve.itertuples()
        if round(r.cutoff, 2) in (0.5, 0.6, round(threshold, 2), 0.8, 0.9)
    ]
    demo = demo_check_text(model_demo_evaluation, "loan_demand", "r2", "R²", "the demo's planted utilization levels")
    content = {
        "intro": (
            "For every customer the model predicts the credit-line utilization (amount drawn / credit limit) at "
            "the end of the outcome window; customers predicted above "
            f"{say.percent(threshold, 0)} are potential loan customers. It learns from customers with a credit "
            f"line on the snapshots {', '.join(metrics['trained_on'])}, is evaluated on {metrics['test_snapshot']}, "
            f"and scores every customer, with or without a line. The chosen model is "
            f"{family_words(metrics['champion']['family'], capital=False)}."
        ),
        "summary": [summary_line("Potential loan customers", line)],
        "metrics": {
            "customers": customers,
            "snapshot": snapshot,
            "potential_loan_customers": potential,
            "threshold": threshold,
            "precision": at["precision"],
            "recall": at["recall"],
            **{k: test[k] for k in ("rmse", "mae", "r2")},
            "champion": metrics["champion"]["family"],
        },
        "blocks": [
            table_block(
                f"Key metrics on the test snapshot {metrics['test_snapshot']} ({say.count(test['n'])} customers "
                "with a credit line)",
                ["Metric", "Value", "What it means"],
                metric_rows,
            ),
            figure_block(
                "predicted_vs_actual.png",
                figures["predicted_vs_actual.png"],
                "Predicted against actual utilization",
                "One dot per test customer; the orange line is the mean actual utilization per bin of prediction. "
                "Red lines: the threshold on the prediction (solid) and on the actual utilization (dotted).",
            ),
            figure_block(
                "threshold_curve.png",
                figures["threshold_curve.png"],
                "Threshold curve",
                "Moving the cut-off on the prediction trades precision against recall; the goal stays: utilization "
                f"above {say.percent(threshold, 0)} at the end of the window.",
            ),
            table_block(
                "Some cut-offs on the test snapshot",
                ["Cut-off", "Customers flagged", "Precision", "Recall"],
                cutoff_rows,
                "The cut-off is loan_demand.potential_threshold in conf/base/parameters_loan_demand.yml.",
            ),
            figure_block(
                "feature_importance.png",
                figures["feature_importance.png"],
                "Feature importance",
                "The features whose splits improve the gradient-boosted trees the most (share of the total gain).",
            ),
            table_block(
                f"Most frequent first reason of the potential loan customers at {snapshot}",
                ["Reason (feature)", "Customers", "Share of potential loan customers"],
                reason_rows(loan_demand_scores, flagged),
                "Every customer's three strongest reasons are in data/07_model_output/loan_demand_scores.parquet.",
            ),
            comparison_block(
                loan_demand_comparison,
                {
                    "validation_rmse": ("RMSE on the validation snapshot", ".4f"),
                    "test_rmse": ("RMSE on the test snapshot", ".4f"),
                    "test_r2": ("R² on the test snapshot", ".3f"),
                },
                "Each family's best trial of the study; the model is chosen on validation only (lowest RMSE).",
            ),
            *([text_block(demo)] if demo else []),
        ],
    }
    return figures, content
