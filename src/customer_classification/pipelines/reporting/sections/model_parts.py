"""The blocks the two model sections (M1 potential value, M2 loan demand) share, written once.

Both sections close the same way: the feature-importance figure, the most frequent first
reasons of the customers the model picks out, the model families compared, and the
check against the demo's planted truth. What differs between them (titles, metric
columns, which file holds the reasons) is a :class:`ModelWords`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, percent_axis
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import table_block, text_block

FAMILY_WORDS = {
    "lightgbm": "Gradient-boosted trees (LightGBM)",
    "logistic": "Logistic regression",
    "linear": "Linear regression (ridge)",
    "random_forest": "Random forest",
}
IMPORTANCE_FIGURE = "feature_importance.png"


@dataclass(frozen=True)
class ModelWords:
    """What one model section says in the blocks it shares with the other.

    Attributes:
        importance_title: the title drawn on the feature-importance figure.
        scores: the catalog name of the scores holding every customer's reasons.
        reason_share: the reasons table's share column, e.g. "Share of the tier".
        comparison_columns: the comparison's metric columns, ``{column: (title in words, format spec)}``.
        comparison_note: what the comparison table compares, in words.
        demo_key: the model's part of ``model_demo_evaluation`` (``potential_model``, ``loan_demand``).
        demo_metric: the metric's key there (``auc``, ``r2``); demo_metric_words: the metric in words.
        demo_truth: what the demo planted, in words.
    """

    importance_title: str
    scores: str
    reason_share: str
    comparison_columns: dict[str, tuple[str, str]]
    comparison_note: str
    demo_key: str
    demo_metric: str
    demo_metric_words: str
    demo_truth: str


def family_words(family: str, capital: bool = True) -> str:
    words = FAMILY_WORDS.get(family, say.category_title(family))
    return words if capital else words[0].lower() + words[1:]


def comparison_block(comparison: pd.DataFrame, columns: dict[str, tuple[str, str]], note: str) -> dict:
    """The model comparison as a table: each family's default configuration and its best, champion marked.

    Args:
        comparison: ``*_comparison.csv`` (family, configuration, champion, trials, validation_* and test_*
            columns).
        columns: the metric columns to show, ``{column: (title in words, format spec)}``.
        note: what the table compares, in words.
    """
    rows = []
    for row in comparison.to_dict("records"):
        name = family_words(row["family"])
        name += ", default settings" if row.get("configuration") == "default" else ", tuned"
        name += " (chosen)" if row["champion"] else ""
        rows.append([name, *(format(row[c], spec) for c, (_, spec) in columns.items()), row["trials"]])
    titles = ["Model family", *(title for title, _ in columns.values()), "Trials in the study"]
    return table_block("Model families compared", titles, rows, note)


def reason_rows(scores: pd.DataFrame, customers: pd.Series, top: int = 5) -> list[list[str]]:
    """The most frequent first reasons of the selected customers: feature title in words, customers, share."""
    chosen = scores.loc[customers.to_numpy(), "reason_1_feature"]
    counts = chosen.value_counts(sort=False).sort_index()
    counts = counts.sort_values(ascending=False, kind="stable").head(top)
    return [[say.feature_title(f), say.count(n), say.percent(n / len(chosen))] for f, n in counts.items()]


def importance_figure(importance: list[dict], title: str, params: ReportingParams) -> Figure:
    """Horizontal bars: each feature's share of the model's total split gain, feature titles in words."""
    shares = [f["share"] for f in importance]
    names = [say.feature_title(f["feature"]) for f in importance]
    figure, axes = new_figure(params.figure_width_in, 1.2 + 0.28 * len(importance), params.figure_dpi)
    y = np.arange(len(importance))
    axes.barh(y, shares, color=PALETTE[0])
    axes.set_yticks(y, names)
    axes.invert_yaxis()
    axes.set_xlabel("Share of the model's total split gain (feature importance)")
    percent_axis(axes.xaxis)
    for row, share in enumerate(shares):
        axes.text(share, row, f" {say.percent(share)}", va="center", fontsize=8)
    axes.set_xlim(0, max(shares, default=0.1) * 1.15)
    axes.set_title(title)
    return figure


def demo_check_text(evaluation: dict | None, words: ModelWords) -> str | None:
    """One sentence on the model against the demo's planted truth, or ``None`` without a demo check
    (``model_demo_evaluation`` is ``None`` on a real bank)."""
    if evaluation is None or words.demo_key not in evaluation:
        return None
    check, metric = evaluation[words.demo_key], words.demo_metric
    ratio = "n/a" if check["ratio"] is None else f"{check['ratio']:.2f}"
    verdict = "meets" if check["meets_bar"] else "misses"
    return (
        f"Demo check (the demo bank only): on the {say.count(check['customers'])} test customers the model's "
        f"{words.demo_metric_words} is {check[f'model_{metric}']:.3f}, {words.demo_truth} reach "
        f"{check[f'truth_{metric}']:.3f}: the model reaches {ratio} times the truth's, which {verdict} the bar "
        f"of {check['bar']:.2f}."
    )


def closing_blocks(
    words: ModelWords,
    importance: Figure,
    scores: pd.DataFrame,
    picked: pd.Series,
    reasons_title: str,
    comparison: pd.DataFrame,
    evaluation: dict | None,
) -> list[dict]:
    """The blocks that end both model sections: importance, reasons, families compared, demo check.

    Args:
        words: what this section says in them.
        importance: the drawn :func:`importance_figure`.
        scores: the scoring snapshot's customers with their reasons; picked: the customers whose reasons to count.
        reasons_title: the reasons table's title.
        comparison: ``*_comparison.csv``.
        evaluation: ``model_demo_evaluation``, or ``None`` on a real bank.
    """
    demo = demo_check_text(evaluation, words)
    return [
        figure_block(
            IMPORTANCE_FIGURE,
            importance,
            "Feature importance",
            "The features whose splits improve the gradient-boosted trees the most (share of the total gain).",
        ),
        table_block(
            reasons_title,
            ["Reason (feature)", "Customers", words.reason_share],
            reason_rows(scores, picked),
            f"Every customer's three strongest reasons are in data/07_model_output/{words.scores}.parquet.",
        ),
        comparison_block(comparison, words.comparison_columns, words.comparison_note),
        *([text_block(demo)] if demo else []),
    ]
