"""The customer portrait: how customers spread over each tag's levels, and which tags matter for the targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import summary_line, table_block

GROUP_TITLES = {
    "basic": "Basic tags (who)",
    "financial": "Financial tags (what they hold)",
    "non_financial": "Non-financial tags (how they behave)",
}


def _distribution_figure(levels: pd.DataFrame, title: str, params: ReportingParams):
    """One stacked bar per tag: the share of customers at each level (scoring snapshot), in level order."""
    tags = levels.drop_duplicates("tag")[["tag", "title"]]
    figure, axes = new_figure(params.figure_width_in, 1.0 + 0.42 * len(tags), params.figure_dpi)
    for row, tag in enumerate(tags["tag"]):
        y = len(tags) - 1 - row
        left = 0.0
        for i, level in enumerate(levels[levels["tag"] == tag].sort_values("level_order").itertuples()):
            width = 100 * float(level.share_scoring)
            axes.barh(y, width, left=left, color=PALETTE[i % len(PALETTE)], edgecolor="white", linewidth=0.6)
            if width >= 7:
                axes.text(
                    left + width / 2,
                    y,
                    str(level.label).replace("_", " "),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white",
                )
            left += width
    axes.set_yticks(np.arange(len(tags))[::-1], tags["title"])
    axes.set_xlim(0, 100)
    axes.set_xlabel("Share of customers at the scoring snapshot (%)")
    axes.set_title(title)
    return figure


def _weights_figure(weights: pd.DataFrame, params: ReportingParams):
    top = weights.assign(best=weights[["m1_importance", "m2_importance"]].max(axis=1))
    top = top.sort_values("best", ascending=False).head(params.tags_per_distribution_chart).iloc[::-1]
    figure, axes = new_figure(params.figure_width_in, 1.2 + 0.3 * len(top), params.figure_dpi)
    y = np.arange(len(top))
    axes.barh(y + 0.2, top["m1_importance"], 0.4, color=PALETTE[0], label="Becoming high-value (potential value)")
    axes.barh(y - 0.2, top["m2_importance"], 0.4, color=PALETTE[1], label="Credit-line utilization (loan demand)")
    axes.set_yticks(y, top["title"])
    axes.set_xlabel("Decision-tree weight of the tag (share of the tree's total importance)")
    axes.set_title("Which tags say most about the two model targets")
    axes.legend(loc="lower right", fontsize=8, frameon=False)
    return figure


@report_style
def tags_section(params: ReportingParams, tag_dictionary: pd.DataFrame, tag_weights: pd.DataFrame) -> tuple[dict, dict]:
    """Figures and content of the section on the tag system (pipeline ``tag_system``).

    Args:
        params: the report's settings.
        tag_dictionary: ``tag_dictionary``, one row per tag level with its share of customers.
        tag_weights: ``tag_weights``, one row per tag with its weight for the M1 and M2 targets.

    Returns:
        ``({file name: Figure}, section content)``.
    """
    figures, blocks = {}, []
    groups = list(dict.fromkeys(tag_dictionary["group"]))
    for group in groups:
        tags = tag_dictionary[tag_dictionary["group"] == group]
        names = list(dict.fromkeys(tags["tag"]))
        for part, start in enumerate(range(0, len(names), params.tags_per_distribution_chart)):
            chunk = tags[tags["tag"].isin(names[start : start + params.tags_per_distribution_chart])]
            name = f"tag_distribution_{group}.png" if part == 0 else f"tag_distribution_{group}_{part + 1}.png"
            title = GROUP_TITLES.get(group, f"{say.category_title(group)} tags")
            figures[name] = _distribution_figure(chunk, title, params)
            blocks.append(
                figure_block(
                    name,
                    figures[name],
                    title,
                    "Each bar is one tag; its segments are the tag's levels, from the lowest on "
                    "the left, sized by the share of customers at that level.",
                )
            )
    figures["tag_weights.png"] = _weights_figure(tag_weights, params)
    blocks.append(
        figure_block(
            "tag_weights.png",
            figures["tag_weights.png"],
            "Tag weights for the model targets",
            "How much a decision tree fitted on the training snapshots relies on each tag to "
            "tell who becomes high-value and who draws on their credit line.",
        )
    )
    counts = tag_dictionary.groupby("group", sort=False)["tag"].nunique()
    blocks.append(
        table_block(
            "Tags per group",
            ["Tag group", "Tags", "Levels"],
            [[GROUP_TITLES.get(g, g), counts[g], int((tag_dictionary["group"] == g).sum())] for g in groups],
        )
    )
    n_tags = int(tag_dictionary["tag"].nunique())
    per_group = ", ".join(f"{counts[g]} {g.replace('_', '-')}" for g in groups)
    content = {
        "intro": (
            f"The customer portrait: {n_tags} tags in {len(groups)} groups turn numbers into labelled levels "
            "(for example an AUM level from low to very high), learned on the training snapshots and applied "
            "unchanged at scoring. The full list with definitions is tag_dictionary.csv."
        ),
        "summary": [summary_line("Customer tags", f"{n_tags} tags in {len(groups)} groups ({per_group})")],
        "metrics": {"tags": n_tags, "tags_per_group": {g: int(counts[g]) for g in groups}},
        "blocks": blocks,
    }
    return figures, content
