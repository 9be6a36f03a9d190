"""What each cluster is: feature and tag profiles against the population, a readable
name, matched product categories, and the payload a front end receives."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd

from customer_classification.pipelines.clustering.params import EligibilityRule, ProductMatchingParams

OPERATORS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
# a tag level names a cluster only if at least this share of the cluster has it
NAME_MIN_SHARE = 0.3


def feature_profiles(frame: pd.DataFrame, clusters: pd.Series, features: list[str]) -> pd.DataFrame:
    """Per cluster and numeric feature: mean and median against the population's,
    lift (cluster mean / population mean) and standardised difference
    ((cluster mean - population mean) / population standard deviation)."""
    values = frame[features].astype(float)
    population_mean, population_median = values.mean(), values.median()
    population_std = values.std(ddof=0)
    grouped = values.groupby(clusters.to_numpy())
    means, medians = grouped.mean(), grouped.median()
    rows = []
    for cluster in means.index:
        for feature in features:
            mean = means.at[cluster, feature]
            base = population_mean[feature]
            spread = population_std[feature]
            rows.append(
                {
                    "cluster": int(cluster),
                    "feature": feature,
                    "cluster_mean": mean,
                    "cluster_median": medians.at[cluster, feature],
                    "population_mean": base,
                    "population_median": population_median[feature],
                    "lift": mean / base if pd.notna(base) and base != 0 else np.nan,
                    "standardised_difference": (mean - base) / spread if spread > 0 else 0.0,
                }
            )
    return pd.DataFrame(rows)


def tag_profiles(tags: pd.DataFrame, clusters: pd.Series, tag_titles: dict[str, str]) -> pd.DataFrame:
    """Per cluster, tag and level: share of the cluster at that level against the
    population's share, and their ratio (lift). Customers without the tag are left out."""
    rows = []
    for tag, title in tag_titles.items():
        column = tags[tag]
        known = column.notna().to_numpy()
        population = column[known].value_counts(normalize=True)
        by_cluster = pd.crosstab(clusters[known].to_numpy(), column[known].astype(str).to_numpy(), normalize="index")
        for cluster in by_cluster.index:
            for level, share in by_cluster.loc[cluster].items():
                base = float(population.get(level, 0.0))
                rows.append(
                    {
                        "cluster": int(cluster),
                        "tag": tag,
                        "tag_title": title,
                        "level": level,
                        "cluster_share": float(share),
                        "population_share": base,
                        "lift": float(share) / base if base > 0 else np.nan,
                    }
                )
    return pd.DataFrame(
        rows, columns=["cluster", "tag", "tag_title", "level", "cluster_share", "population_share", "lift"]
    )


def distinguishing_levels(levels: pd.DataFrame, per_cluster: int) -> pd.DataFrame:
    """Per cluster, the tag levels most over-represented against the population (one level
    per tag, held by at least ``NAME_MIN_SHARE`` of the cluster), highest lift first."""
    eligible = levels[(levels["cluster_share"] >= NAME_MIN_SHARE) & (levels["lift"] > 1.0)]
    best = eligible.sort_values(["cluster", "lift", "tag"], ascending=[True, False, True]).drop_duplicates(
        ["cluster", "tag"]
    )
    return best.groupby("cluster", group_keys=False).head(per_cluster)


# Labels made only of these words say how much, not of what: "very low", "small", "middle".
DEGREE_WORDS = frozenset(
    "very low lower middle upper medium moderate high small large none some few light heavy".split()
)


def readable_levels(levels: pd.DataFrame, labels_per_tag: pd.DataFrame) -> pd.Series:
    """A level in words: its label without underscores, followed by the tag's title when
    the label alone does not say what it measures: when it is a bare degree ("very low",
    "small") or when the same label belongs to several tags of ``labels_per_tag``
    (columns tag, label). "high" becomes "high income level", "retiree" stays "retiree"."""
    words = levels["level"].astype(str).str.replace("_", " ")
    shared = labels_per_tag.groupby("label")["tag"].nunique()
    ambiguous = levels["level"].astype(str).map(shared).fillna(1) > 1
    bare_degree = words.map(lambda label: set(label.split()) <= DEGREE_WORDS)
    return words.where(~(ambiguous | bare_degree), words + " " + levels["tag_title"].str.lower())


def cluster_names(clusters: list[int], top_levels: pd.DataFrame, parts: int) -> dict[int, str]:
    """A readable name per cluster from its top distinguishing tag levels, e.g.
    "affluent · low digital · retiree"; made unique by the cluster number if two coincide."""
    names = {}
    for cluster in clusters:
        labels = top_levels.loc[top_levels["cluster"] == cluster, "readable"].head(parts).tolist()
        names[cluster] = " · ".join(labels) if labels else "close to the population average"
    counts = pd.Series(list(names.values())).value_counts()
    return {c: f"{n} (segment {c})" if counts[n] > 1 else n for c, n in names.items()}


def _eligible(rules: list[EligibilityRule], category: str, medians: pd.Series) -> tuple[bool, str]:
    for rule in rules:
        if rule.category == category and not OPERATORS[rule.operator](medians[rule.feature], rule.value):
            return False, rule.reason
    return True, ""


def match_products(
    frame: pd.DataFrame, clusters: pd.Series, names: dict[int, str], matching: ProductMatchingParams
) -> pd.DataFrame:
    """Per cluster and product category: penetration (share holding it) against the
    population's, lift, eligibility of the cluster's median customer, and whether the
    category is recommended (lift >= ``min_lift``, penetration below ``max_penetration``,
    eligible), ranked by lift. Clusters with nothing to recommend are flagged."""
    held = pd.DataFrame({c: frame[f"holds_{c}"].astype(float) for c in matching.categories})
    population = held.mean()
    penetration = held.groupby(clusters.to_numpy()).mean()
    rule_features = sorted({r.feature for r in matching.eligibility})
    medians = frame[rule_features].astype(float).groupby(clusters.to_numpy()).median()
    rows = []
    for cluster in penetration.index:
        for category in matching.categories:
            share = float(penetration.at[cluster, category])
            base = float(population[category])
            lift = share / base if base > 0 else np.nan
            eligible, held_back = _eligible(
                matching.eligibility, category, medians.loc[cluster] if rule_features else pd.Series(dtype=float)
            )
            rows.append(
                {
                    "cluster": int(cluster),
                    "cluster_name": names[int(cluster)],
                    "category": category,
                    "penetration": share,
                    "population_penetration": base,
                    "lift": lift,
                    "eligible": eligible,
                    "held_back_because": held_back,
                    "candidate": bool(
                        eligible and pd.notna(lift) and lift >= matching.min_lift and share < matching.max_penetration
                    ),
                }
            )
    table = pd.DataFrame(rows)
    table["rank"] = (
        table[table["candidate"]].groupby("cluster")["lift"].rank(method="first", ascending=False).reindex(table.index)
    )
    table["recommended"] = table["rank"].le(matching.max_recommendations)
    offered = table.groupby("cluster")["recommended"].transform("any")
    table["nothing_to_offer"] = ~offered
    return table.drop(columns="candidate").sort_values(["cluster", "rank", "category"], na_position="last")


def segment_payload(
    group: str, title: str, snapshot: str, profiles: pd.DataFrame, matches: pd.DataFrame, per_cluster: int
) -> dict[str, Any]:
    """Profiles and matches of one group as plain JSON for a front end: aggregates only,
    no customer identifiers."""
    summary = profiles.drop_duplicates("cluster").sort_values("cluster")
    clusters = []
    for row in summary.itertuples():
        mine = profiles[profiles["cluster"] == row.cluster]
        features = mine[mine["kind"] == "feature"].nsmallest(per_cluster, "distinguishing_rank")
        tags = mine[mine["kind"] == "tag"].nsmallest(per_cluster, "distinguishing_rank")
        offers = matches[(matches["cluster"] == row.cluster) & matches["recommended"]]
        clusters.append(
            {
                "cluster": int(row.cluster),
                "name": row.cluster_name,
                "customers": int(row.customers),
                "share": round(float(row.share), 4),
                "distinguishing_features": [
                    {
                        "feature": f.item,
                        "cluster_mean": _round(f.cluster_mean),
                        "population_mean": _round(f.population_mean),
                        "standardised_difference": _round(f.standardised_difference),
                    }
                    for f in features.itertuples()
                ],
                "distinguishing_tags": [
                    {
                        "tag": t.item,
                        "level": t.level,
                        "in_words": t.readable,
                        "cluster_share": _round(t.cluster_share),
                        "lift": _round(t.lift),
                    }
                    for t in tags.itertuples()
                ],
                "recommended_products": [
                    {"category": o.category, "penetration": _round(o.penetration), "lift": _round(o.lift)}
                    for o in offers.itertuples()
                ],
                "nothing_to_offer": bool(offers.empty),
            }
        )
    return {"group": group, "title": title, "snapshot": snapshot, "clusters": clusters}


def _round(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 4)
