"""How well the RM types recover the demo bank's planted specialists (demo only).

Used by the ``rm_classification_demo_check`` pipeline; a real bank has no planted
truth and never runs it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

RULES = {
    "is_type": "type rule (count > T1 or share > T2)",
    "type_by_count": "count > T1",
    "type_by_share": "share > T2",
    "is_type_alternative": "type rule under the alternative settings",
}


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _scores(typed: pd.Series, planted: pd.Series) -> dict[str, Any]:
    hits = int((typed & planted).sum())
    return {
        "typed": int(typed.sum()),
        "planted": int(planted.sum()),
        "typed_and_planted": hits,
        "precision": _ratio(hits, int(typed.sum())),
        "recall": _ratio(hits, int(planted.sum())),
    }


def evaluate_planted_specialists(rm_classification: pd.DataFrame, demo_rm_truth: pd.DataFrame) -> dict[str, Any]:
    """Precision and recall of the RM types against the planted specialisms.

    A pair (RM, category) is *planted* when the RM's planted ``specialism`` is the
    category and *typed* when the rule types the RM in it. Per category and over
    all pairs of the classified categories (micro-averaged), for the type rule and
    for each of its two criteria alone. Planted specialists in a category that is
    not classified are reported apart, not scored.

    Args:
        rm_classification: the ``rm_classification`` table (one row per RM and category).
        demo_rm_truth: ``rm_id`` and ``specialism`` (a category or null) of each RM.
    """
    missing = [c for c in ("rm_id", "specialism") if c not in demo_rm_truth.columns]
    if missing:
        raise ValueError(f"demo_rm_truth: required columns {missing} are missing; it has {list(demo_rm_truth.columns)}")
    specialism = demo_rm_truth.set_index("rm_id")["specialism"]
    pairs = rm_classification.assign(
        planted=rm_classification["rm_id"].map(specialism) == rm_classification["category"]
    )
    categories = list(dict.fromkeys(pairs["category"]))
    classified_rms = set(pairs["rm_id"])
    result: dict[str, Any] = {
        "rms_classified": len(classified_rms),
        "rms_in_truth_not_classified": int((~specialism.index.isin(classified_rms)).sum()),
        "planted_categories_not_classified": {
            str(c): int(n) for c, n in specialism.dropna()[~specialism.dropna().isin(categories)].value_counts().items()
        },
    }
    # a table written before the alternative existed has no is_type_alternative: score what is there
    for rule, description in ((r, d) for r, d in RULES.items() if r in pairs.columns):
        per_category = {c: _scores(g[rule], g["planted"]) for c, g in pairs.groupby("category", sort=False)}
        result[rule] = {
            "rule": description,
            "overall": _scores(pairs[rule], pairs["planted"]),
            "per_category": per_category,
        }
    return result
