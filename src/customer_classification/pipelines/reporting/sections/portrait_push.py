"""The group-portrait credit push model (M4): the claim's steps, the platform match, and how well
the push predicts the next product and category against the existing recommenders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block, text_block

_CONTENDERS = {
    "portrait_push": "Portrait push model",
    "blend": "Recommendation blend",
    "propensity": "Next-product model",
    "collaborative_filtering": "Collaborative filtering",
    "campaign_response": "Campaign-response models",
    "popularity": "Popularity baseline",
}


def _map_figure(summary: dict, params: ReportingParams):
    """MAP at k per contender, at product and at category level."""
    k = summary["k"]
    figure, axes = new_figure(params.figure_width_in, 3.2, params.figure_dpi)
    names = [n for n in _CONTENDERS if n in summary["category"]]
    y = np.arange(len(names))
    for offset, level, colour in ((-0.2, "product", PALETTE[0]), (0.2, "category", PALETTE[1])):
        values = [summary[level][n][f"map_at_{k}"] for n in names]
        axes.barh(y + offset, values, 0.4, color=colour, label=f"{level.title()} level")
    axes.set_yticks(y, [_CONTENDERS[n] for n in names])
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel(f"Mean average precision at {k} of the realised next product")
    axes.legend(fontsize=8, frameon=False)
    axes.set_title(f"Push model against the recommenders, out-of-time test snapshot {summary['test_snapshot']}")
    return figure


def _score_rows(summary: dict, level: str) -> list[list]:
    k = summary["k"]
    return [
        [_CONTENDERS[n], say.percent(summary[level][n][f"hit_rate_at_{k}"]), f"{summary[level][n][f'map_at_{k}']:.3f}"]
        for n in _CONTENDERS
        if n in summary[level]
    ]


def _category_rows(evaluation: pd.DataFrame, k: int) -> list[list]:
    rows = evaluation[(evaluation["level"] == "category") & (evaluation["item"] != "all")]
    return [
        [
            say.category_title(r["item"]),
            int(r["customers"]),
            f"{r[f'portrait_push_map_at_{k}']:.3f}",
            f"{r[f'blend_map_at_{k}']:.3f}",
            f"{r[f'popularity_map_at_{k}']:.3f}",
        ]
        for _, r in rows.iterrows()
    ]


@report_style
def portrait_push_section(
    params: ReportingParams,
    portrait_push_summary: dict,
    portrait_push_evaluation: pd.DataFrame,
    platform_matching: dict,
    credit_push: pd.DataFrame,
) -> tuple[dict, dict]:
    """Figures and content of the section on the portrait credit push model (pipeline ``portrait_push``)."""
    summary, k = portrait_push_summary, portrait_push_summary["k"]
    figures = {"push_map.png": _map_figure(summary, params)}
    customers = credit_push["customer_id"].nunique()
    targets = credit_push.drop_duplicates("customer_id")["is_target"].sum()
    line = (
        f"{say.count(customers)} customers pushed up to {k} products ({say.count(int(targets))} screened as credit "
        f"targets); at product level the next product was in the top {k} for "
        f"{say.percent(summary['product']['portrait_push'][f'hit_rate_at_{k}'])} of test customers "
        f"({summary['product']['hit_rate_over_popularity']:.2f} times popularity), category MAP "
        f"{summary['category']['map_over_popularity']:.2f} times popularity"
    )
    match = platform_matching
    content = {
        "intro": (
            "The group-portrait push follows the claim step by step: K-means groups related to credit, the tags as "
            "a qualitative portrait, boosted trees weighing its nodes, application scenarios by collaborative "
            "filtering, a regression for the neighbouring scenarios, the screening of targets, the match with the "
            "digital platform's profile, a regression of the campaign feedback, a service evaluation, and a "
            "recurrent network with a softmax output that predicts each customer's next product "
            "(docs/portrait_push.md)."
        ),
        "summary": [summary_line("Portrait credit push", line)],
        "metrics": {
            "customers": int(customers),
            "product_hit_rate_over_popularity": summary["product"]["hit_rate_over_popularity"],
            "category_map_over_popularity": summary["category"]["map_over_popularity"],
            "platform_all_fields_agree": match["all_fields_agree"],
        },
        "blocks": [
            figure_block(
                "push_map.png",
                figures["push_map.png"],
                "How well each scorer ranks the next product",
                "Test customers who took up a new product (product level) or category (category level).",
            ),
            table_block(
                f"Product level (16 products), at {k}", ["Scorer", "Hit rate", "MAP"], _score_rows(summary, "product")
            ),
            table_block(f"Category level, at {k}", ["Scorer", "Hit rate", "MAP"], _score_rows(summary, "category")),
            table_block(
                f"MAP at {k} per category",
                ["Category", "Customers", "Push model", "Blend", "Popularity"],
                _category_rows(portrait_push_evaluation, k),
            ),
            text_block(
                f"The platform's profile against the warehouse: {say.percent(match['found_on_platform'])} of customers "
                f"found; city the same for {say.percent(match['city_same'])}, a typo for {say.percent(match['city_typo'])}, "
                f"another city for {say.percent(match['city_different'])}; occupation agrees for "
                f"{say.percent(match['occupation_agrees'])}; income within tolerance for "
                f"{say.percent(match['income_agrees'])} (stale on the platform for {say.percent(match['income_stale'])})."
            ),
        ],
    }
    return figures, content
