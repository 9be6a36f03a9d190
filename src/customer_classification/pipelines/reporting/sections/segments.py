"""Segments (M3): per segment group, the choice of k, what each segment is, and the products matched to it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.pipelines.reporting import wording as say
from customer_classification.pipelines.reporting.figures import PALETTE, figure_block, new_figure, report_style
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.content import (
    heading_block,
    summary_line,
    table_block,
    text_block,
)

# The datasets each group contributes, in the order segments_section receives them.
GROUP_DATASETS = ("k_selection", "cluster_profiles", "product_matches", "segment_payload")


def segment_inputs(groups: list[str]) -> list[str]:
    """The namespaced datasets of every clustering group, in :data:`GROUP_DATASETS` order per group."""
    return [f"{group}.{name}" for group in groups for name in GROUP_DATASETS]


# the two quality scores drawn against k: column, marker, colour, legend label
_QUALITY_LINES = (
    ("silhouette", "o", PALETTE[1], "Silhouette (separation, -1 to 1)"),
    ("stability", "s", PALETTE[2], "Stability (agreement between restarts, 0 to 1)"),
)


def _k_selection_figure(k_selection: pd.DataFrame, title: str, params: ReportingParams):
    figure, (inertia_axes, quality_axes) = new_figure(params.figure_width_in, 3.4, params.figure_dpi, ncols=2)
    chosen = int(k_selection.loc[k_selection["chosen"], "k"].iloc[0])
    inertia_axes.plot(k_selection["k"], k_selection["inertia"], marker="o", color=PALETTE[0])
    inertia_axes.set_xlabel("Number of segments k")
    inertia_axes.set_ylabel("Within-segment spread (inertia, scaled units)")
    inertia_axes.set_title("Elbow: spread left unexplained")
    for column, marker, colour, label in _QUALITY_LINES:
        quality_axes.plot(k_selection["k"], k_selection[column], marker=marker, color=colour, label=label)
    quality_axes.set_xlabel("Number of segments k")
    quality_axes.set_ylabel("Score")
    quality_axes.set_ylim(min(0.0, float(k_selection["silhouette"].min())), 1.05)
    quality_axes.set_title("Separation and stability")
    quality_axes.legend(loc="lower left", fontsize=8, frameon=False)
    for axes in (inertia_axes, quality_axes):
        axes.axvline(chosen, color=PALETTE[3], linestyle="--", linewidth=1)
        axes.annotate(
            f" chosen k = {chosen}", (chosen, 0.95), xycoords=("data", "axes fraction"), color=PALETTE[3], fontsize=8
        )
    figure.suptitle(f"{title}: choosing the number of segments", fontweight="bold")
    return figure


def _heatmap_figure(profiles: pd.DataFrame, title: str, params: ReportingParams):
    """Rows: the features that set segments apart most; columns: segments; colour: standardised difference."""
    features = profiles[profiles["kind"] == "feature"]
    strength = features.groupby("item")["standardised_difference"].apply(lambda s: s.abs().max())
    top = strength.sort_values(ascending=False).head(params.features_per_heatmap).index
    matrix = (
        features[features["item"].isin(top)]
        .pivot(index="item", columns="cluster", values="standardised_difference")
        .loc[top]
    )
    names = features.drop_duplicates("cluster").set_index("cluster").loc[matrix.columns]
    height = 3.2 + 0.36 * len(top)
    figure, axes = new_figure(params.figure_width_in, height, params.figure_dpi)
    limit = max(1.0, float(np.nanmax(np.abs(matrix.to_numpy()))))
    image = axes.imshow(matrix.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    for (row, column), value in np.ndenumerate(matrix.to_numpy()):
        axes.text(
            column,
            row,
            f"{value:+.1f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if abs(value) > 0.6 * limit else "black",
        )
    axes.set_yticks(range(len(top)), [say.feature_title(f) for f in top])
    axes.set_xticks(
        range(len(matrix.columns)),
        [
            f"{c}: {n} ({say.percent(s, 0)})"
            for c, n, s in zip(matrix.columns, names["cluster_name"], names["share"], strict=True)
        ],
        fontsize=7,
        rotation=30,
        ha="right",
        rotation_mode="anchor",
    )
    axes.spines[:].set_visible(False)
    figure.colorbar(
        image, ax=axes, label="Segment mean minus population mean\n(in population standard deviations)", shrink=0.8
    )
    axes.set_title(f"{title}: what sets each segment apart")
    return figure


def _segment_rows(profiles: pd.DataFrame, matches: pd.DataFrame) -> list[list[str]]:
    sizes = profiles.drop_duplicates("cluster").sort_values("cluster")
    tags = profiles[(profiles["kind"] == "tag") & profiles["distinguishing_rank"].notna()]
    rows = []
    for segment in sizes.itertuples():
        recommended = matches[(matches["cluster"] == segment.cluster) & matches["recommended"]].sort_values("rank")
        top_tags = tags[tags["cluster"] == segment.cluster].sort_values("distinguishing_rank").head(3)
        rows.append(
            [
                segment.cluster,
                segment.cluster_name,
                say.count(segment.customers),
                say.percent(segment.share),
                "; ".join(
                    f"{t.readable} ({say.percent(t.cluster_share, 0)} of the segment)" for t in top_tags.itertuples()
                ),
                ", ".join(f"{say.category_title(r.category)} (×{r.lift:.2f})" for r in recommended.itertuples())
                or "nothing: no product with room to grow",
            ]
        )
    return rows


@report_style
def segments_section(params: ReportingParams, *group_outputs) -> tuple[dict, dict]:
    """Figures and content of the section on segments (pipeline ``clustering``, every group).

    Args:
        params: the report's settings.
        *group_outputs: per clustering group, its ``k_selection``, ``cluster_profiles``,
            ``product_matches`` and ``segment_payload``, in that order (see :func:`segment_inputs`).

    Returns:
        ``({file name: Figure}, section content)``.
    """
    if len(group_outputs) % len(GROUP_DATASETS):
        raise ValueError(f"segments_section needs {len(GROUP_DATASETS)} datasets per group, got {len(group_outputs)}")
    figures, blocks, summary_items, metrics = {}, [], [], {}
    for start in range(0, len(group_outputs), len(GROUP_DATASETS)):
        k_selection, profiles, matches, payload = group_outputs[start : start + len(GROUP_DATASETS)]
        group, title = payload["group"], payload["title"]
        k = int(k_selection.loc[k_selection["chosen"], "k"].iloc[0])
        reason = k_selection.loc[k_selection["chosen"], "reason"].iloc[0]
        figures[f"k_selection_{group}.png"] = _k_selection_figure(k_selection, title, params)
        figures[f"segment_profiles_{group}.png"] = _heatmap_figure(profiles, title, params)
        sizes = profiles.drop_duplicates("cluster").sort_values("cluster")
        blocks += [
            heading_block(f"{title} ({group} group): {k} segments"),
            text_block(f"k = {k} was chosen because: {reason}. Segments are described at {payload['snapshot']}."),
            table_block(
                f"{title}: the segments",
                ["Segment", "Name", "Customers", "Share", "Most typical tag levels", "Products to offer (lift)"],
                _segment_rows(profiles, matches),
                "Lift = share of the segment holding the product / share of all customers holding it.",
            ),
            figure_block(
                f"segment_profiles_{group}.png",
                figures[f"segment_profiles_{group}.png"],
                f"{title}: segment profiles",
                "Red: the segment is above the population on this feature; blue: below. Numbers are in "
                "population standard deviations.",
            ),
            figure_block(
                f"k_selection_{group}.png",
                figures[f"k_selection_{group}.png"],
                f"{title}: choice of the number of segments",
                "Each k was fitted several times on a sample; the chosen k (dashed line) follows the "
                "elbow of the spread curve when it is stable.",
            ),
        ]
        summary_items.append(
            f"{title} ({group}, {k} segments): "
            + "; ".join(f"“{s.cluster_name}” ({say.percent(s.share, 0)})" for s in sizes.itertuples())
        )
        metrics[group] = {
            "title": title,
            "k": k,
            "segments": {
                str(s.cluster): {"name": s.cluster_name, "customers": int(s.customers), "share": float(s.share)}
                for s in sizes.itertuples()
            },
        }
    content = {
        "intro": (
            "Customers are grouped by K-means within each segment group of features (who they are, what "
            "they hold, how they behave, and a combined life-stage view). Each segment is named after the "
            "tag levels that are most over-represented in it, and products are matched to the segments "
            "that hold them more than average and still have room to grow."
        ),
        "summary": [summary_line("Segments", f"{len(metrics)} segment groups", summary_items)],
        "metrics": metrics,
        "blocks": blocks,
    }
    return figures, content
