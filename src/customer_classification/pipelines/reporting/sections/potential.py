"""Customer potential value (M1): how well the model ranks upgrades, its tiers, and what drives it.

The section is built in three steps: the data (:class:`_Tiering`, the rows of the tables),
the prose (intro, summary line, captions) and the layout (:func:`potential_section`,
blocks in reading order). Its charts are in :mod:`.potential_figures`; the blocks it
shares with M2 are in :mod:`.model_parts`.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import figure_block, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections import potential_figures as charts
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
        "roc.png": charts.roc_figure(predictions, test["auc"], params),
        "ks.png": charts.ks_figure(predictions, test["ks"], params),
        "gain.png": charts.gain_figure(tiering.gain, params),
        "calibration.png": charts.calibration_figure(tiering.gain, params),
        IMPORTANCE_FIGURE: importance_figure(metrics["feature_importance"], WORDS.importance_title, params),
        "tiers.png": charts.tier_figure(tiering.counts, tiering.tiers, tiering.snapshot, params),
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
