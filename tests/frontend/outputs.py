"""Small stand-ins for the outputs the publish pipeline reads, in the columns the pipelines write them."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import polars as pl

from customer_classification.frontend.schemas import RmCategoryRow

SNAPSHOT = pd.Timestamp("2026-11-01")
GROUPS = ("lifestyle", "basic")
CATEGORIES = ("mutual_fund", "personal_loan", "insurance")


def pseudonym(customer_id: int) -> str:
    return hashlib.sha256(str(customer_id).encode()).hexdigest()[:32]


def _reasons(rng: np.random.Generator, n: int) -> dict[str, list]:
    columns = {}
    for i in (1, 2, 3):
        columns[f"reason_{i}_feature"] = [f"feature_{i}"] * n
        columns[f"reason_{i}_value"] = [str(round(v, 2)) for v in rng.random(n)]
        columns[f"reason_{i}_contribution"] = rng.random(n) / i
    return columns


def scored_outputs(n_customers: int = 30, seed: int = 7) -> dict:
    """Every input of ``customer_cards`` (without the memberships) for ``n_customers`` customers."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n_customers + 1)
    rm_ids = np.where(ids % 5 == 0, np.nan, 5001 + ids % 2)  # every fifth customer has no RM
    customers = pl.DataFrame(
        {"customer_id": ids, "person_key": [pseudonym(i) for i in ids], "rm_id": rm_ids, "name_never_published": "x"}
    )
    rms = pl.DataFrame({"rm_id": [5001, 5002], "branch_id": ["BR-A", "BR-B"], "city": ["A", "B"]})
    long_tail = ids[ids % 3 != 0]
    potential = pd.DataFrame(
        {
            "customer_id": long_tail,
            "snapshot_date": SNAPSHOT,
            "probability": rng.random(len(long_tail)),
            "tier": pd.Categorical(rng.choice(list("ABCD"), len(long_tail)), categories=list("ABCD"), ordered=True),
            **_reasons(rng, len(long_tail)),
        }
    )
    loans = pd.DataFrame(
        {
            "customer_id": ids,
            "snapshot_date": SNAPSHOT,
            "predicted_utilization": rng.random(n_customers),
            "is_potential_loan_customer": ids % 4 == 0,
            **_reasons(rng, n_customers),
        }
    )
    recommendations = pd.DataFrame(
        [
            (i, SNAPSHOT, rank, CATEGORIES[rank - 1], 1.0 / rank, "propensity", f"reason {rank}")
            for i in ids
            for rank in (1, 2, 3)
        ],
        columns=["customer_id", "snapshot_date", "rank", "product_category", "score", "reason_source", "reason"],
    )
    scenarios = pd.DataFrame(
        {"customer_id": ids, "snapshot_date": SNAPSHOT, "scenario": "wealth_upgrade", "rule": "potential_tier in ['A']"}
    )
    return {
        "int_customers": customers,
        "int_relationship_managers": rms,
        "potential_scores": potential,
        "loan_demand_scores": loans,
        "product_recommendations": recommendations,
        "customer_scenarios": scenarios,
    }


def clustering_outputs(group: str, n_customers: int = 30) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``<group>.cluster_assignments`` (two snapshots) and the cluster names of ``<group>.cluster_profiles``."""
    ids = np.arange(1, n_customers + 1)
    assignments = pd.concat(
        pd.DataFrame({"group": group, "customer_id": ids, "snapshot_date": snapshot, "cluster": ids % 3})
        for snapshot in (SNAPSHOT - pd.DateOffset(months=6), SNAPSHOT)
    )
    profiles = pd.DataFrame({"cluster": [0, 0, 1, 2], "cluster_name": [f"{group} {c}" for c in (0, 0, 1, 2)]})
    return assignments, profiles


def segment_payload(group: str = "lifestyle", snapshot: str = "2026-11-01", customers: int = 300) -> dict:
    """A segment payload as clustering's ``build_segment_payload`` writes it."""
    clusters = []
    for cluster, share in enumerate((0.5, 0.3, 0.2)):
        clusters.append(
            {
                "cluster": cluster,
                "name": f"segment {cluster} of {group}",
                "customers": int(customers * share),
                "share": share,
                "distinguishing_features": [
                    {
                        "feature": "aum_latest",
                        "cluster_mean": 10.0 + cluster,
                        "population_mean": 11.0,
                        "standardised_difference": cluster - 1.0,
                    }
                ],
                "distinguishing_tags": [
                    {
                        "tag": "life_stage",
                        "level": "retired",
                        "in_words": "retired",
                        "cluster_share": 0.6,
                        "lift": 2.0 - cluster / 2,
                    }
                ],
                "recommended_products": []
                if cluster == 2
                else [{"category": "insurance", "penetration": 0.4, "lift": 1.3}],
                "nothing_to_offer": cluster == 2,
            }
        )
    return {"group": group, "title": f"The {group} segments", "snapshot": snapshot, "clusters": clusters}


def rm_types_inputs() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """``rm_classification``, ``rm_thresholds`` and ``rm_classification_summary`` for two RMs."""
    rows = pd.DataFrame(
        [
            (5001, "BR-A", "A", "senior", "insurance", 20, 12, 0.6, True, False, True, True),
            (5001, "BR-A", "A", "senior", "mutual_fund", 20, 2, 0.1, False, False, False, False),
            (5002, "BR-B", "B", "junior", "insurance", 10, 1, 0.1, False, False, False, False),
            (5002, "BR-B", "B", "junior", "mutual_fund", 10, 6, 0.6, False, True, True, False),
        ],
        columns=[*RmCategoryRow.model_fields, "is_type_alternative"],
    )
    thresholds = pd.DataFrame(
        {
            "category": ["insurance", "mutual_fund"],
            "t1_count_threshold": [10.0, np.nan],
            "t2_share_threshold": [0.5, 0.5],
            "t1_fallback": [None, "no_candidates"],
            "t2_fallback": ["nearest_to_target", None],
        }
    )
    return rows, thresholds, {"snapshot_date": "2026-11-01"}


def customer_cards() -> pl.DataFrame:
    """The publish pipeline's cards of the stand-ins above, every group of ``GROUPS`` included."""
    from customer_classification.pipelines.publish import nodes  # noqa: PLC0415 - imports the pipelines

    memberships = [nodes.segment_membership(*clustering_outputs(group), group) for group in GROUPS]
    return nodes.customer_cards(*scored_outputs().values(), *memberships)
