"""Potential loan customers (M2): predicted credit-line utilization against the realised one, and the threshold.

Data first (:class:`_Flagging` and the table rows), then the words (intro, summary line,
captions), then :func:`loan_demand_section` lays the blocks out in reading order. The charts
live in :mod:`.loan_demand_figures`, and what M1 shows alike in :mod:`.model_parts`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from customer_classification.modelling.labels import CUMULATIVE_DRAWDOWN, OUTSTANDING_UTILIZATION
from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import figure_block, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections import loan_demand_figures as charts
from customer_classification.pipelines.reporting.sections import model_parts as shared
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block

WORDS = shared.ModelWords(
    demo_key="loan_demand",
    demo_metric="r2",
    demo_metric_words="R²",
    demo_truth="the demo's planted utilization levels",
    scores="loan_demand_scores",
    reason_share="Share of potential loan customers",
    importance_title="What the utilization model looks at most: feature importance",
    comparison_note="Each family's best trial of the study; the model is chosen on validation only (lowest RMSE).",
    comparison_columns={
        "validation_rmse": ("RMSE on the validation snapshot", ".4f"),
        "test_rmse": ("RMSE on the test snapshot", ".4f"),
        "test_r2": ("R² on the test snapshot", ".3f"),
    },
)
# the cut-offs of the table "Some cut-offs", besides the chosen one: offsets from it
_TABLE_OFFSETS = (-0.2, -0.1, 0.1, 0.2)
SUMMARY_METRICS = ("rmse", "mae", "r2")


class LabelWords(NamedTuple):
    """How the section speaks of the model's target (``metrics['target']``)."""

    quantity: str  # what the model predicts, in a sentence
    goal: str  # what a flagged customer is expected to do, with a ``{}`` for the threshold
    short: str  # the quantity on an axis


_OUTSTANDING = LabelWords(
    "the credit-line utilization (amount drawn / credit limit) at the end of the outcome window",
    "use more than {} of their credit line",
    "utilization at the window's end (drawn / limit)",
)
LABEL_WORDS = {
    CUMULATIVE_DRAWDOWN: LabelWords(
        "the cumulative utilization of the credit line (every drawdown of the outcome window added up, "
        "over the credit limit)",
        "draw more than {} of their credit limit over the window",
        "cumulative utilization (drawdowns of the window / limit)",
    ),
    OUTSTANDING_UTILIZATION: _OUTSTANDING,
}


def label_words(target: str) -> LabelWords:
    """The words of a named M2 label; a bank's own target is spoken of as utilization."""
    return LABEL_WORDS.get(target, _OUTSTANDING)


# The data.


def threshold_curve(predictions: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per cut-off on the predicted utilization: precision and recall against 'actual above ``threshold``',
    and the share of customers flagged. At ``cutoff == threshold`` these are the pipeline's own figures."""
    predicted, realised = predictions["predicted"].to_numpy(), predictions["actual"].to_numpy() > threshold
    cutoffs = np.round(np.arange(0.05, max(1.0, 2 * threshold), 0.01), 2)
    rows = []
    for cutoff in np.union1d(cutoffs, [threshold]):
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


class _Flagging(NamedTuple):
    """The customers flagged at the scoring snapshot and the threshold's quality on the test snapshot."""

    snapshot: str  # the scoring snapshot, ISO date
    flagged: pd.Series  # per scored customer: predicted above the threshold
    at: dict  # the threshold and its test precision, recall, flagged and realised_high
    curve: pd.DataFrame  # threshold_curve of the test predictions

    @property
    def threshold(self) -> float:
        return self.at["threshold"]

    @property
    def customers(self) -> int:
        return len(self.flagged)

    @property
    def potential(self) -> int:
        return int(self.flagged.sum())


def _flagging(metrics: dict, predictions: pd.DataFrame, scores: pd.DataFrame) -> _Flagging:
    at = metrics["potential_threshold"]
    return _Flagging(
        snapshot=pd.Timestamp(scores["snapshot_date"].iloc[0]).date().isoformat(),
        flagged=scores["is_potential_loan_customer"].astype(bool),
        at=at,
        curve=threshold_curve(predictions, at["threshold"]),
    )


def _metric_rows(test: dict, flagging: _Flagging) -> list[list[str]]:
    """The champion's test metrics and the threshold's precision and recall: name, value, what it means."""
    at, above = flagging.at, say.percent(flagging.threshold, 0)
    return [
        ["Root mean squared error (RMSE)", f"{100 * test['rmse']:.1f} percentage points", "typical size of an error"],
        ["Mean absolute error (MAE)", f"{100 * test['mae']:.1f} percentage points", "average size of an error"],
        ["R² (explained variance)", f"{test['r2']:.3f}", "1 is perfect, 0 no better than the average"],
        [
            f"Precision above {above}",
            say.percent(at["precision"]),
            f"of {say.count(at['flagged'])} customers flagged, the share who did exceed it",
        ],
        [
            f"Recall above {above}",
            say.percent(at["recall"]),
            f"of {say.count(at['realised_high'])} customers who exceeded it, the share flagged",
        ],
    ]


def _cutoff_rows(flagging: _Flagging) -> list[list[str]]:
    """A few rows of the threshold curve, the chosen cut-off among them."""
    shown = {round(flagging.threshold + offset, 2) for offset in (*_TABLE_OFFSETS, 0.0)}
    return [
        [say.percent(r.cutoff, 0), say.percent(r.flagged_share), say.percent(r.precision), say.percent(r.recall)]
        for r in flagging.curve.itertuples()
        if round(r.cutoff, 2) in shown
    ]


def _summary_metrics(flagging: _Flagging, metrics: dict) -> dict:
    """The section's numbers for ``report_summary.json``."""
    return {
        "customers": flagging.customers,
        "snapshot": flagging.snapshot,
        "potential_loan_customers": flagging.potential,
        "threshold": flagging.threshold,
        "precision": flagging.at["precision"],
        "recall": flagging.at["recall"],
        **{k: metrics["test"][k] for k in SUMMARY_METRICS},
        "champion": metrics["champion"]["family"],
    }


# The prose.


def _intro(metrics: dict, threshold: float) -> str:
    return (
        f"For every customer the model predicts {label_words(metrics['target']).quantity}; customers predicted above "
        f"{say.percent(threshold, 0)} are potential loan customers. It learns from customers with a credit "
        f"line on the snapshots {', '.join(metrics['trained_on'])}, is evaluated on {metrics['test_snapshot']}, "
        f"and scores every customer, with or without a line. The chosen model is "
        f"{shared.family_words(metrics['champion']['family'], capital=False)}."
    )


def _summary_value(flagging: _Flagging, test: dict, words: LabelWords) -> str:
    at = flagging.at
    return (
        f"{say.count(flagging.potential)} of {say.count(flagging.customers)} customers "
        f"({say.percent(flagging.potential / flagging.customers)}) at {flagging.snapshot} are expected to "
        f"{words.goal.format(say.percent(flagging.threshold, 0))}; on the test snapshot "
        f"{say.percent(at['precision'])} of those flagged did (precision) and {say.percent(at['recall'])} of those "
        f"who did were flagged (recall); R² {test['r2']:.3f}"
    )


def _figure_words(threshold: float, words: LabelWords) -> dict[str, tuple[str, str]]:
    """Title and caption of each figure of the section's own, in the order it shows them."""
    return {
        "predicted_vs_actual.png": (
            "Predicted against actual utilization",
            "One dot per test customer; the orange line is the mean actual utilization per bin of prediction. "
            "Red lines: the threshold on the prediction (solid) and on the actual utilization (dotted).",
        ),
        "threshold_curve.png": (
            "Threshold curve",
            "Moving the cut-off on the prediction trades precision against recall; the goal stays: customers "
            f"who {words.goal.format(say.percent(threshold, 0))}.",
        ),
    }


# The layout.


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
    metrics, test = loan_demand_metrics, loan_demand_metrics["test"]
    flagging = _flagging(metrics, loan_demand_test_predictions, loan_demand_scores)
    threshold, words = flagging.threshold, label_words(metrics["target"])
    figures = {
        "predicted_vs_actual.png": charts.predicted_vs_actual_figure(
            loan_demand_test_predictions, threshold, params, words.short
        ),
        "threshold_curve.png": charts.threshold_figure(flagging.curve, threshold, params, words.short),
        shared.IMPORTANCE_FIGURE: shared.importance_figure(
            metrics["feature_importance"], WORDS.importance_title, params
        ),
    }
    own_figures = [figure_block(name, figures[name], *words) for name, words in _figure_words(threshold, words).items()]
    blocks = [
        table_block(
            f"Key metrics on the test snapshot {metrics['test_snapshot']} ({say.count(test['n'])} customers "
            "with a credit line)",
            ["Metric", "Value", "What it means"],
            _metric_rows(test, flagging),
        ),
        *own_figures,
        table_block(
            "Some cut-offs on the test snapshot",
            ["Cut-off", "Customers flagged", "Precision", "Recall"],
            _cutoff_rows(flagging),
            "The cut-off is loan_demand.decision.threshold in conf/base/parameters_loan_demand.yml.",
        ),
        *shared.closing_blocks(
            WORDS,
            figures[shared.IMPORTANCE_FIGURE],
            loan_demand_scores,
            flagging.flagged,
            f"Most frequent first reason of the potential loan customers at {flagging.snapshot}",
            loan_demand_comparison,
            model_demo_evaluation,
        ),
    ]
    content = {
        "intro": _intro(metrics, threshold),
        "summary": [summary_line("Potential loan customers", _summary_value(flagging, test, words))],
        "metrics": _summary_metrics(flagging, metrics),
        "blocks": blocks,
    }
    return figures, content
