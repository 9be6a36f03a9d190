"""Relationship-manager types (M5): which RMs specialise in which product categories, and the thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block, text_block

_TYPE_LEVELS = ("not a type", "by count (> T1)", "by share (> T2)", "by count and share")
_TYPE_COLOURS = ("#f2f2f2", PALETTE[0], PALETTE[1], PALETTE[3])


_MATRIX_MAX_HEIGHT_IN = 14.0
# the rows whose labels the figure's greatest height still separates
_MATRIX_MAX_LABELLED_ROWS = int((_MATRIX_MAX_HEIGHT_IN - 1.6) / 0.12)


def _matrix_figure(classification: pd.DataFrame, categories: list[str], params: ReportingParams):
    """RMs with at least one type (rows) by category (columns), coloured by which rule typed them."""
    code = classification["type_by_count"].astype(int) + 2 * classification["type_by_share"].astype(int)
    matrix = classification.assign(code=code).pivot(index="rm_id", columns="category", values="code")[categories]
    typed = matrix[(matrix > 0).any(axis=1)]
    typed = typed.loc[typed.gt(0).sum(axis=1).sort_values(ascending=False, kind="stable").index]
    height = 1.6 + 0.12 * max(len(typed), 1)
    figure, axes = new_figure(params.figure_width_in, min(height, _MATRIX_MAX_HEIGHT_IN), params.figure_dpi)
    axes.imshow(
        typed.to_numpy(), cmap=ListedColormap(_TYPE_COLOURS), vmin=0, vmax=3, aspect="auto", interpolation="nearest"
    )
    axes.set_xticks(range(len(categories)), [say.category_title(c) for c in categories])
    if len(typed) <= _MATRIX_MAX_LABELLED_ROWS:
        axes.set_yticks(np.arange(len(typed)), [f"RM {rm}" for rm in typed.index], fontsize=5)
    else:  # a bank's thousands of managers: labels that would overlap, and take minutes to lay out
        axes.set_yticks([])
    axes.set_ylabel(f"Relationship managers with at least one type ({len(typed)} of {len(matrix)})")
    axes.legend(
        handles=[Patch(color=c, label=t) for c, t in zip(_TYPE_COLOURS, _TYPE_LEVELS, strict=True)],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.04),
        ncols=4,
        fontsize=8,
        frameon=False,
    )
    axes.set_title("RM type matrix: which managers specialise in which products")
    return figure


def _typed_per_category_figure(summary: dict, categories: list[str], params: ReportingParams):
    figure, axes = new_figure(params.figure_width_in, 3.2, params.figure_dpi)
    x = np.arange(len(categories))
    by_count = [summary["categories"][c]["rms_typed_by_count"] for c in categories]
    by_share = [summary["categories"][c]["rms_typed_by_share"] for c in categories]
    typed = [summary["categories"][c]["rms_typed"] for c in categories]
    axes.bar(x - 0.27, by_count, 0.27, color=PALETTE[0], label="By count of clients (> T1)")
    axes.bar(x, by_share, 0.27, color=PALETTE[1], label="By share of clients (> T2)")
    axes.bar(x + 0.27, typed, 0.27, color=PALETTE[3], label="Either (the RM's type)")
    axes.set_xticks(x, [say.category_title(c) for c in categories])
    axes.set_ylabel("Relationship managers (count)")
    axes.set_title(f"RMs typed per product category (of {summary['rms']} RMs)")
    axes.legend(fontsize=8, frameon=False)
    return figure


def _demo_check_blocks(evaluation: dict | None) -> list[dict]:
    if evaluation is None:
        return []
    overall = evaluation["is_type"]["overall"]
    rows = [
        [say.category_title(c), m["typed"], m["planted"], say.percent(m["precision"]), say.percent(m["recall"])]
        for c, m in evaluation["is_type"]["per_category"].items()
    ]
    return [
        text_block(
            f"Demo check (the demo bank only): of the {overall['typed']} RM types found, "
            f"{say.percent(overall['precision'])} are specialisms the demo planted, and "
            f"{say.percent(overall['recall'])} of the {overall['planted']} planted specialisms were found."
        ),
        table_block(
            "Demo check against the planted specialisms",
            ["Category", "RMs typed", "RMs planted", "Precision", "Recall"],
            rows,
            "Shown only when rm_demo_evaluation exists (pipeline rm_classification_demo_check).",
        ),
    ]


def _settings_words(settings: dict) -> str:
    if settings["floor_rule"] == "fixed":
        floors = f"T3 {settings['count_floor_t3']:g} clients, T4 {say.percent(settings['share_floor_t4'])}"
    else:
        floors = (
            f"T3 / T4 at the {settings['count_floor_quantile']:.0%} / {settings['share_floor_quantile']:.0%} "
            "quantiles of the RMs"
        )
    return f"target {say.percent(settings['cumulative_target'])}, {floors}"


def _comparison_blocks(summary: dict, evaluation: dict | None) -> list[dict]:
    """The default settings and the alternative side by side: RMs typed and, on the demo, precision / recall."""
    alternative = summary.get("alternative")
    if alternative is None:
        return []
    scored = evaluation is not None and "is_type_alternative" in evaluation
    header = ["Category", "RMs typed (default)", f"RMs typed ({alternative['name']})"]
    if scored:
        header += ["Precision / recall (default)", f"Precision / recall ({alternative['name']})"]
    rows = []
    for category, entry in summary["categories"].items():
        row = [say.category_title(category), entry["rms_typed"], alternative["categories"][category]["rms_typed"]]
        if scored:
            row += [_precision_recall(evaluation[rule]["per_category"][category]) for rule in _COMPARED]
        rows.append(row)
    if scored:
        rows.append(
            ["All", *(evaluation[rule]["overall"]["typed"] for rule in _COMPARED)]
            + [_precision_recall(evaluation[rule]["overall"]) for rule in _COMPARED]
        )
    return [
        table_block(
            "Default settings and the alternative side by side",
            header,
            rows,
            f"Default: {_settings_words(summary['settings'])}. {alternative['name']}: "
            f"{_settings_words(alternative['settings'])}. Precision / recall against the demo's planted specialisms.",
        )
    ]


_COMPARED = ("is_type", "is_type_alternative")


def _precision_recall(scores: dict) -> str:
    return f"{say.percent(scores['precision'])} / {say.percent(scores['recall'])}"


# The data.


def _rms_with_a_type(summary: dict) -> int:
    by_number = {int(n): v for n, v in summary["rms_by_number_of_types"].items()}
    return sum(v for n, v in by_number.items() if n > 0)


def _threshold_rows(thresholds: pd.DataFrame, summary: dict) -> list[list]:
    """Per category: T1 (clients holding it), T2 (share of the RM's clients) and the RMs of this type."""
    return [
        [
            say.category_title(t.category),
            f"{t.t1_count_threshold:.1f} clients",
            say.percent(t.t2_share_threshold),
            summary["categories"][t.category]["rms_typed"],
        ]
        for t in thresholds.itertuples()
    ]


# The prose.

INTRO = (
    "Each relationship manager (RM) is typed by their clients' product mix at {snapshot}:"
    " an RM is of type P when the number of their clients holding P is above T1, or the share is "
    "above T2. T1 and T2 are derived from the RM population itself (cumulative-percentage rule)."
)
FIGURE_WORDS = {
    "rm_type_matrix.png": (
        "RM type matrix",
        "One row per RM with at least one type; the colour says which rule typed them.",
    ),
    "rm_types_per_category.png": (
        "RMs typed per category",
        "How many RMs pass the count rule, the share rule, and either.",
    ),
}


def _types_line(summary: dict, categories: list[str]) -> str:
    most = max(categories, key=lambda c: summary["categories"][c]["rms_typed"])
    return (
        f"{_rms_with_a_type(summary)} of {summary['rms']} relationship managers have at least one product type; "
        f"the most common is {say.category_title(most).lower()} "
        f"({summary['categories'][most]['rms_typed']} RMs)"
    )


# The layout.


@report_style
def rm_types_section(
    params: ReportingParams,
    rm_classification: pd.DataFrame,
    rm_thresholds: pd.DataFrame,
    rm_classification_summary: dict,
    rm_demo_evaluation: dict | None,
) -> tuple[dict, dict]:
    """Figures and content of the section on RM types (pipeline ``rm_classification``).

    Args:
        params: the report's settings.
        rm_classification: one row per RM and category with count, share and type flags.
        rm_thresholds: one row per category with T1-T4.
        rm_classification_summary: the pipeline's summary (RMs, types per category).
        rm_demo_evaluation: the demo check against planted specialisms, or ``None`` on a real bank.

    Returns:
        ``({file name: Figure}, section content)``.
    """
    categories = list(rm_thresholds["category"])
    summary = rm_classification_summary
    figures = {
        "rm_type_matrix.png": _matrix_figure(rm_classification, categories, params),
        "rm_types_per_category.png": _typed_per_category_figure(summary, categories, params),
    }
    content = {
        "intro": INTRO.format(snapshot=summary["snapshot_date"]),
        "summary": [summary_line("Relationship-manager types", _types_line(summary, categories))],
        "metrics": {
            "rms": summary["rms"],
            "rms_with_a_type": _rms_with_a_type(summary),
            "rms_typed_per_category": {c: summary["categories"][c]["rms_typed"] for c in categories},
        },
        "blocks": [
            *(figure_block(name, figures[name], *words) for name, words in FIGURE_WORDS.items()),
            table_block(
                "Thresholds per category",
                ["Category", "T1: clients holding it", "T2: share of the RM's clients", "RMs of this type"],
                _threshold_rows(rm_thresholds, summary),
            ),
            *_demo_check_blocks(rm_demo_evaluation),
            *_comparison_blocks(summary, rm_demo_evaluation),
        ],
    }
    return figures, content
