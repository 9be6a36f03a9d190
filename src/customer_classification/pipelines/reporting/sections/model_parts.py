"""Parts shared by the two model sections (M1 potential value, M2 loan demand): families, comparison, reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, new_figure
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import table_block

FAMILY_WORDS = {
    "lightgbm": "Gradient-boosted trees (LightGBM)",
    "logistic": "Logistic regression",
    "linear": "Linear regression (ridge)",
    "random_forest": "Random forest",
}


def family_words(family: str, capital: bool = True) -> str:
    words = FAMILY_WORDS.get(family, say.category_title(family))
    return words if capital else words[0].lower() + words[1:]


def comparison_block(comparison: pd.DataFrame, columns: dict[str, tuple[str, str]], note: str) -> dict:
    """The model comparison as a table: one row per family, champion marked.

    Args:
        comparison: ``*_comparison.csv`` (family, champion, trials, validation_* and test_* columns).
        columns: the metric columns to show, ``{column: (title in words, format spec)}``.
        note: what the table compares, in words.
    """
    rows = []
    for row in comparison.to_dict("records"):
        name = family_words(row["family"]) + (" (chosen)" if row["champion"] else "")
        rows.append([name, *(format(row[c], spec) for c, (_, spec) in columns.items()), row["trials"]])
    titles = ["Model family", *(title for title, _ in columns.values()), "Trials in the study"]
    return table_block("Model families compared", titles, rows, note)


def reason_rows(scores: pd.DataFrame, customers: pd.Series, top: int = 5) -> list[list[str]]:
    """The most frequent first reasons of the selected customers: feature title in words, customers, share."""
    chosen = scores.loc[customers.to_numpy(), "reason_1_feature"]
    counts = chosen.value_counts(sort=False).sort_index()
    counts = counts.sort_values(ascending=False, kind="stable").head(top)
    return [[say.feature_title(f), say.count(n), say.percent(n / len(chosen))] for f, n in counts.items()]


def importance_figure(importance: list[dict], title: str, params: ReportingParams):
    """Horizontal bars: each feature's share of the model's total split gain, feature titles in words."""
    shares = [f["share"] for f in importance]
    names = [say.feature_title(f["feature"]) for f in importance]
    figure, axes = new_figure(params.figure_width_in, 1.2 + 0.28 * len(importance), params.figure_dpi)
    y = np.arange(len(importance))
    axes.barh(y, shares, color=PALETTE[0])
    axes.set_yticks(y, names)
    axes.invert_yaxis()
    axes.set_xlabel("Share of the model's total split gain (feature importance)")
    axes.xaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    for row, share in enumerate(shares):
        axes.text(share, row, f" {say.percent(share)}", va="center", fontsize=8)
    axes.set_xlim(0, max(shares, default=0.1) * 1.15)
    axes.set_title(title)
    return figure


def demo_check_text(evaluation: dict | None, key: str, metric: str, metric_words: str, truth: str) -> str | None:
    """One sentence on the model against the demo's planted truth, or ``None`` without a demo check.

    Args:
        evaluation: ``model_demo_evaluation`` (``None`` on a real bank).
        key: its part for this model (``potential_model`` or ``loan_demand``).
        metric: the metric's key (``auc``, ``r2``); metric_words and truth: both in words.
    """
    if evaluation is None or key not in evaluation:
        return None
    check = evaluation[key]
    ratio = "n/a" if check["ratio"] is None else f"{check['ratio']:.2f}"
    verdict = "meets" if check["meets_bar"] else "misses"
    return (
        f"Demo check (the demo bank only): on the {say.count(check['customers'])} test customers the model's "
        f"{metric_words} is {check[f'model_{metric}']:.3f}, {truth} reach {check[f'truth_{metric}']:.3f}: "
        f"the model reaches {ratio} times the truth's, which {verdict} the bar of {check['bar']:.2f}."
    )
