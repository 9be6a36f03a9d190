"""Step 7: hit rate and MAP at k of the realised next product and category, out of time, for the
push model, the existing recommenders and the popularity baseline, overall and per item."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_classification.pipelines.product_recommendation.scoring import hit_rate_and_map, rank_candidates


def products_from_categories(
    category_scores: np.ndarray, categories: list[str], product_categories: list[str], share: np.ndarray
) -> np.ndarray:
    """A category scorer's product ranking: its category's score, ties broken by the product's share
    of its category's take-up (the existing recommenders rank categories only)."""
    position = {c: i for i, c in enumerate(categories)}
    columns = [position.get(c, -1) for c in product_categories]
    floor = category_scores.min() - 1.0
    lifted = np.column_stack(
        [category_scores[:, i] if i >= 0 else np.full(len(category_scores), floor) for i in columns]
    )
    return lifted + 1e-6 * share[None, :]


def per_item(
    level: str,
    items: list[str],
    contenders: dict[str, np.ndarray],
    held: np.ndarray,
    realised: pd.Series,
    k: int,
) -> pd.DataFrame:
    """One row per item (and ``all``): customers whose realised next item it is, and each
    contender's hit rate and MAP at ``k`` on them (held items are never recommended)."""
    position = {item: i for i, item in enumerate(items)}
    index = realised.map(position)
    rows = index.notna().to_numpy()
    target = index[rows].astype(int).to_numpy()
    tops = {name: rank_candidates(scores[rows], held[rows], k) for name, scores in contenders.items()}
    records = []
    for item in ["all", *items]:
        chosen = np.ones(len(target), bool) if item == "all" else target == position[item]
        record = {"level": level, "item": item, "customers": int(chosen.sum())}
        for name, top in tops.items():
            hit, average_precision = hit_rate_and_map(top[chosen], target[chosen])
            record[f"{name}_hit_rate_at_{k}"] = round(hit, 4)
            record[f"{name}_map_at_{k}"] = round(average_precision, 4)
        records.append(record)
    return pd.DataFrame(records)


def summary(table: pd.DataFrame, k: int, model: str = "portrait_push", baseline: str = "popularity") -> dict:
    """Overall figures per level and the push model's ratios over the baseline."""
    out = {}
    for level, rows in table[table["item"] == "all"].groupby("level"):
        row = rows.iloc[0]
        names = [c.removesuffix(f"_hit_rate_at_{k}") for c in row.index if c.endswith(f"_hit_rate_at_{k}")]
        out[level] = {
            "customers": int(row["customers"]),
            **{
                name: {f"hit_rate_at_{k}": row[f"{name}_hit_rate_at_{k}"], f"map_at_{k}": row[f"{name}_map_at_{k}"]}
                for name in names
            },
            "hit_rate_over_popularity": round(row[f"{model}_hit_rate_at_{k}"] / row[f"{baseline}_hit_rate_at_{k}"], 4),
            "map_over_popularity": round(row[f"{model}_map_at_{k}"] / row[f"{baseline}_map_at_{k}"], 4),
        }
    return out
