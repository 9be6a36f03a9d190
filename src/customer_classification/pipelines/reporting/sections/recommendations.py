"""Product recommendations (M4): how well they predict the next product, and what they recommend."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block, text_block

_SCORERS = {
    "blend": "Blend (the recommendations)",
    "collaborative_filtering": "Collaborative filtering alone",
    "campaign_response": "Campaign-response models alone",
    "propensity": "Next-product model alone",
    "popularity": "Popularity baseline",
}


def _hit_rate_figure(evaluation: dict, params: ReportingParams):
    k = evaluation["k"]
    names = [n for n in _SCORERS if n in evaluation["scores"]]
    rates = [evaluation["scores"][n][f"hit_rate_at_{k}"] for n in names]
    figure, axes = new_figure(params.figure_width_in, 3.0, params.figure_dpi)
    colours = [PALETTE[0] if n == "blend" else PALETTE[3] if n == "popularity" else PALETTE[1] for n in names]
    axes.barh(np.arange(len(names)), rates, color=colours)
    axes.set_yticks(np.arange(len(names)), [_SCORERS[n] for n in names])
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel(f"Share of customers whose next product was in their top {k} (hit rate)")
    for y, rate in enumerate(rates):
        axes.text(rate + 0.01, y, say.percent(rate), va="center", fontsize=8)
    axes.set_title(f"Recommendation hit rate at {k}, out-of-time test snapshot {evaluation['test_snapshot']}")
    return figure


def _recommended_figure(recommendations: pd.DataFrame, params: ReportingParams):
    first = recommendations[recommendations["rank"] == 1]["product_category"].value_counts()
    figure, axes = new_figure(params.figure_width_in, 3.0, params.figure_dpi)
    axes.bar([say.category_title(c) for c in first.index], first.to_numpy(), color=PALETTE[0])
    axes.set_ylabel("Customers (count)")
    axes.set_title("First recommendation per customer, by product category")
    return figure


@report_style
def recommendations_section(
    params: ReportingParams, recommendation_evaluation: dict, product_recommendations: pd.DataFrame
) -> tuple[dict, dict]:
    """Figures and content of the section on product recommendations (pipeline ``product_recommendation``)."""
    evaluation = recommendation_evaluation
    k = evaluation["k"]
    key = f"hit_rate_at_{k}"
    blend, baseline = evaluation["scores"]["blend"][key], evaluation["scores"]["popularity"][key]
    customers = product_recommendations["customer_id"].nunique()
    snapshot = pd.Timestamp(product_recommendations["snapshot_date"].iloc[0]).date().isoformat()
    figures = {
        "hit_rates.png": _hit_rate_figure(evaluation, params),
        "first_recommendations.png": _recommended_figure(product_recommendations, params),
    }
    rows = [
        [_SCORERS[n], say.percent(s[key]), f"{s[f'map_at_{k}']:.3f}"]
        for n, s in evaluation["scores"].items()
        if n in _SCORERS
    ]
    weights = ", ".join(
        f"{_SCORERS[n].split(' alone')[0].lower()} {w:.0%}" for n, w in evaluation["blend_weights"].items()
    )
    line = (
        f"{say.count(customers)} customers with up to {k} recommended product categories at {snapshot}; "
        f"the next product was in the top {k} for {say.percent(blend)} of the test customers "
        f"(popularity baseline {say.percent(baseline)})"
    )
    content = {
        "intro": (
            "Each customer is recommended the product categories they do not hold yet, ranked by a blend of "
            "collaborative filtering (what customers with the same products also hold) and campaign-response "
            f"models (who answers offers of each category); the blend's weights ({weights}) were chosen on the "
            "validation snapshot. Every recommendation carries its reason in words."
        ),
        "summary": [summary_line("Product recommendations", line)],
        "metrics": {"customers": customers, key: blend, f"popularity_{key}": baseline},
        "blocks": [
            figure_block(
                "hit_rates.png",
                figures["hit_rates.png"],
                "How often the next product was recommended",
                f"Customers who took up a new product category after {evaluation['test_snapshot']} "
                f"({say.count(evaluation['customers_evaluated'])}): share whose category was among the top {k}.",
            ),
            table_block(
                f"Hit rate and mean average precision at {k} on the test snapshot",
                ["Recommender", f"Hit rate at {k}", f"Mean average precision at {k}"],
                rows,
                f"A customer holds {evaluation['mean_categories_not_held']:.1f} of the recommendable categories "
                f"not yet on average, so even the popularity baseline often hits; at most "
                f"{evaluation['largest_possible_ratio_over_popularity']:.2f} times its hit rate is possible.",
            ),
            figure_block(
                "first_recommendations.png",
                figures["first_recommendations.png"],
                "What is recommended first",
                f"Customers at {snapshot} by the category recommended to them first.",
            ),
            text_block(
                "The full list, with scores and reasons, is data/07_model_output/product_recommendations.parquet."
            ),
        ],
    }
    return figures, content
