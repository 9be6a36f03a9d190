"""Model governance (retrain): the champion/challenger decisions and the drift of the scoring snapshot."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block, text_block

MODEL_TITLES = {"potential_model": "Customer potential (M1)", "loan_demand_model": "Loan demand (M2)"}
BAND_COLOURS = {"stable": PALETTE[2], "watch": PALETTE[1], "act": PALETTE[3]}
TOP_FEATURES = 12


def _value(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@report_style
def _drift_figure(drift: pd.DataFrame, model: str, params: ReportingParams):
    rows = drift[drift["model"] == model].sort_values("psi", ascending=False, kind="stable").head(TOP_FEATURES)
    rows = rows.iloc[::-1]
    figure, axes = new_figure(params.figure_width_in, 1.2 + 0.28 * len(rows), params.figure_dpi)
    labels = [f"score: {n}" if k == "score" else say.feature_title(n) for k, n in zip(rows["kind"], rows["name"])]
    axes.barh(np.arange(len(rows)), rows["psi"], color=[BAND_COLOURS[b] for b in rows["band"]])
    axes.set_yticks(np.arange(len(rows)), labels, fontsize=8)
    for limit, style in ((0.1, ":"), (0.25, "--")):
        axes.axvline(limit, color="#555555", linestyle=style, linewidth=0.8)
    axes.set_xlabel("Population stability index (PSI); dotted 0.1 (watch), dashed 0.25 (act)")
    axes.set_title(f"{MODEL_TITLES.get(model, model)}: the largest shifts since the champion's training rows")
    return figure


# The data.


def _model_title(model: str) -> str:
    return MODEL_TITLES.get(model, model)


def _decision_rows(decisions: list[dict[str, Any]]) -> list[list]:
    """Per contested model: decision, champion before and now, the test metric and both values, the margin."""
    return [
        [
            _model_title(d["model"]),
            d["decision"],
            d["champion_before"] or "none",
            d["champion_after"],
            d["metric"],
            _value(d["challenger_value"]),
            _value(d["champion_value"]),
            d["margin"],
        ]
        for d in decisions
    ]


# The prose.

INTRO = (
    "Each monthly retrain trains challengers and keeps the champions unless a challenger is better on "
    "the same out-of-time test rows by a set margin (model_registry.json names the champions; `score` "
    "uses them). Drift compares the scoring snapshot with each champion's training rows."
)
DECISIONS_NOTE = (
    "Both models are scored on the same rows: the challenger's out-of-time test snapshot, customers "
    "neither learned from. The challenger replaces the champion only if better by the margin."
)
DRIFT_CAPTION = (
    "Each bar is a feature the champion uses (or its score): the PSI between the champion's training "
    "rows and the scoring snapshot. Green stable (< 0.1), orange watch (0.1 to 0.25), red act (> 0.25)."
)


# The layout.


def _decision_blocks(decisions: list[dict[str, Any]], version: str) -> list[dict]:
    """The champion decisions as a table, then each decision's reason in words."""
    return [
        table_block(
            f"Champion or challenger: the retrain of {version}",
            ["Model", "Decision", "Champion before", "Champion now", "Test metric", "Challenger", "Champion", "Margin"],
            _decision_rows(decisions),
            DECISIONS_NOTE,
        ),
        *(text_block(f"{_model_title(d['model'])}: {d['reason']}.") for d in decisions),
    ]


def _drift_parts(drift: pd.DataFrame, params: ReportingParams) -> tuple[dict, list[dict], list[dict]]:
    """Per model its drift figure, the figure's block and a summary line of the features to act on."""
    figures, blocks, summary = {}, [], []
    for model in dict.fromkeys(drift["model"]):
        name = f"drift_{model}.png"
        figures[name] = _drift_figure(drift, model, params)
        blocks.append(figure_block(name, figures[name], f"Drift of {_model_title(model)}", DRIFT_CAPTION))
        acting = drift[(drift["model"] == model) & (drift["band"] == "act")]
        summary.append(
            summary_line(
                f"Drift of {_model_title(model)}",
                f"{len(acting)} features or scores to act on (PSI > 0.25)",
                [f"{n}: {p:.2f}" for n, p in zip(acting["name"], acting["psi"], strict=True)][:5],
            )
        )
    return figures, blocks, summary


def operations_section(
    params: ReportingParams, champion_decisions: list[dict[str, Any]], drift_monitoring: pd.DataFrame
) -> tuple[dict, dict]:
    """Figures and content of the section on the monthly retrain (pipelines ``model_registry``, ``drift_monitoring``).

    Args:
        params: the report's settings.
        champion_decisions: ``champion_decisions``, one record per contested model with the reason.
        drift_monitoring: ``drift_monitoring``, one row per model and feature (or score) with its PSI and band.

    Returns:
        ``({file name: Figure}, section content)``.
    """
    version = champion_decisions[0]["version"] if champion_decisions else ""
    decisions = {d["model"]: d["decision"] for d in champion_decisions}
    figures, drift_blocks, drift_summary = _drift_parts(drift_monitoring, params)
    bands = drift_monitoring.groupby(["model", "band"]).size().unstack(fill_value=0)
    band_rows = [
        [_model_title(m), *(int(bands.loc[m].get(b, 0)) for b in ("stable", "watch", "act"))] for m in bands.index
    ]
    content = {
        "intro": INTRO,
        "summary": [
            summary_line(f"Retrain {version}", ", ".join(f"{_model_title(m)} {d}" for m, d in decisions.items())),
            *drift_summary,
        ],
        "metrics": {
            "version": version,
            "decisions": decisions,
            "drift_bands": {m: {b: int(n) for b, n in bands.loc[m].items()} for m in bands.index},
        },
        "blocks": [
            *_decision_blocks(champion_decisions, version),
            *drift_blocks,
            table_block(
                "Features and scores per stability band",
                ["Model", "Stable", "Watch", "Act"],
                band_rows,
                "All values: drift_monitoring.csv.",
            ),
        ],
    }
    return figures, content
