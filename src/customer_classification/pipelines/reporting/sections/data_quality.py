"""The data: customers and snapshots, what the checks found and repaired, observed outcome rates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block, text_block


def _quality_figure(report: dict, params: ReportingParams):
    rows = [
        (f"{v['table']} · {v['column']}: {v['rule']}", v["count"], v["share"])
        for table in report["tables"].values()
        for v in table["violations"]
    ]
    height = 1.4 + 0.32 * max(len(rows), 1)
    figure, axes = new_figure(params.figure_width_in, height, params.figure_dpi)
    if rows:
        labels, counts, shares = zip(*rows, strict=True)
        positions = np.arange(len(rows))[::-1]
        axes.barh(positions, counts, color=PALETTE[1])
        axes.set_yticks(positions, labels)
        for y, n, share in zip(positions, counts, shares, strict=True):
            axes.annotate(f" {say.count(n)} ({say.percent(share, 2)})", (n, y), va="center", fontsize=8)
        axes.margins(x=0.25)
    else:
        axes.text(0.5, 0.5, "No rule was broken", ha="center", va="center", transform=axes.transAxes)
        axes.set_yticks([])
    axes.set_xlabel("Rows breaking the rule (count)")
    axes.set_title("Data-quality rules broken, per table and column")
    return figure


def _rates_figure(labels: pd.DataFrame, params: ReportingParams):
    figure, axes = new_figure(params.figure_width_in, 3.6, params.figure_dpi)
    series = {
        "Long-tail customers (AUM below the high-value line)": "long_tail_share",
        "Long-tail customers who reached the line within the outcome window": "upgrade_rate_of_long_tail",
        "Customers who responded to a campaign offer": "campaign_response_rate",
    }
    x = np.arange(len(labels))
    width = 0.8 / len(series)
    for i, (title, column) in enumerate(series.items()):
        values = pd.to_numeric(labels[column], errors="coerce").to_numpy(dtype=float) * 100
        axes.bar(x + (i - 1) * width, np.nan_to_num(values), width, label=title, color=PALETTE[i])
    axes.set_xticks(
        x,
        [
            f"{d}\n{'labelled' if c else 'scoring, no outcome yet'}"
            for d, c in zip(labels.index, labels["label_window_complete"], strict=True)
        ],
    )
    axes.set_ylabel("Share of customers (%)")
    axes.set_title("Observed rates per snapshot")
    axes.legend(loc="upper right", fontsize=8, frameon=False)
    axes.set_ylim(0, 100)
    return figure


# The data.


def _quality_counts(report: dict) -> dict:
    """Rows checked, rules broken, rows dropped, values set to missing, the lowest share of rows matched."""
    tables = report["tables"].values()
    matching = report.get("source_matching", {})
    return {
        "warehouse_rows_checked": sum(t["rows_in"] for t in tables),
        "rules_broken": sum(len(t["violations"]) for t in tables),
        "rows_dropped": report["rows_dropped"],
        "values_set_to_missing": report["values_set_to_missing"],
        "lowest_match_share": min((m["matched_share"] for m in matching.values()), default=1.0),
    }


def _rate_rows(labels: pd.DataFrame) -> list[list]:
    """Per labelled snapshot: customers, long-tail share, its upgrade rate, campaign response rate."""
    return [
        [
            d,
            say.count(r.customers),
            say.percent(r.long_tail_share),
            say.percent(r.upgrade_rate_of_long_tail),
            say.percent(r.campaign_response_rate),
        ]
        for d, r in labels[labels["label_window_complete"]].iterrows()
    ]


# The prose.

FIGURE_WORDS = {
    "data_quality.png": (
        "Data-quality rules broken",
        "Rows of each raw table that broke a rule of the data contract, with their share of the "
        "table. Soft rules within tolerance are repaired (rows dropped or values set to missing) "
        "and counted; a hard rule stops the run.",
    ),
    "observed_rates.png": (
        "Observed rates per snapshot",
        "What actually happened after each snapshot: the share of long-tail customers, the share "
        "of them who became high-value within the outcome window (the potential-value target), "
        "and the campaign response rate. The scoring snapshot has no outcome yet.",
    ),
}


def _quality_line(counts: dict, tables: int) -> str:
    return (
        f"{say.count(counts['warehouse_rows_checked'])} warehouse rows in {tables} tables checked; "
        f"{counts['rules_broken']} rules broken, {say.count(counts['rows_dropped'])} rows dropped and "
        f"{say.count(counts['values_set_to_missing'])} values set to missing; "
        f"every link between tables matched for at least {say.percent(counts['lowest_match_share'], 2)} of rows"
    )


def _intro(as_of: str, labels: pd.DataFrame) -> str:
    return (
        f"The warehouse as of {as_of}: every raw table is checked against its contract "
        f"before any feature is built. Customers are described at {len(labels)} monthly snapshots; the latest, "
        f"{labels.index[-1]}, is the one scored and segmented."
    )


# The layout.


@report_style
def data_section(params: ReportingParams, data_quality_report: dict, model_label_summary: dict) -> tuple[dict, dict]:
    """Figures and content of the section on the data (pipeline ``data_engineering``).

    Args:
        params: the report's settings.
        data_quality_report: ``data_quality_report`` (rules broken and repairs per raw table).
        model_label_summary: ``model_label_summary`` (per snapshot: customers and observed label rates).

    Returns:
        ``({file name: Figure}, section content)``.
    """
    labels = pd.DataFrame.from_dict(model_label_summary, orient="index").sort_index()
    scoring, customers = labels.index[-1], int(labels["customers"].iloc[-1])
    counts = _quality_counts(data_quality_report)
    quality_line = _quality_line(counts, len(data_quality_report["tables"]))
    figures = {
        "data_quality.png": _quality_figure(data_quality_report, params),
        "observed_rates.png": _rates_figure(labels, params),
    }
    content = {
        "intro": _intro(data_quality_report["as_of"], labels),
        "summary": [
            summary_line("Customers", f"{say.count(customers)} at the scoring snapshot {scoring}"),
            summary_line("Snapshots", f"{len(labels)} monthly snapshots, {labels.index[0]} to {scoring}"),
            summary_line("Data quality", quality_line),
        ],
        "metrics": {"customers": customers, "scoring_snapshot": scoring, "snapshots": list(labels.index), **counts},
        "blocks": [
            figure_block("data_quality.png", figures["data_quality.png"], *FIGURE_WORDS["data_quality.png"]),
            text_block(quality_line + "."),
            figure_block("observed_rates.png", figures["observed_rates.png"], *FIGURE_WORDS["observed_rates.png"]),
            table_block(
                "Observed outcomes per labelled snapshot",
                ["Snapshot", "Customers", "Long-tail share", "Long-tail customers upgraded", "Campaign response rate"],
                _rate_rows(labels),
            ),
        ],
    }
    return figures, content
