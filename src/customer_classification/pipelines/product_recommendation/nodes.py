"""Nodes of ``product_recommendation``: fit the scorers, choose the blend on the
validation snapshot, evaluate on the test snapshot, recommend at the scoring snapshot."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import narwhals as nw
import numpy as np
import optuna
import pandas as pd

from customer_classification.modelling.attribution import chosen_attribution
from customer_classification.modelling.fitted import refit_champion, tune
from customer_classification.modelling.study import StudyOutcome
from customer_classification.modelling.table import assemble_model_table, customer_group, snapshot_rows
from customer_classification.pipelines.product_recommendation.params import ProductRecommendationParams
from customer_classification.pipelines.product_recommendation.recommender import (
    REASONS,
    SOURCES,
    Recommender,
    blended_scores,
    combine,
    propensity_drivers,
    standardise,
    weight_grid,
)
from customer_classification.pipelines.product_recommendation.scenarios import NO_SCENARIO, assign, scenario_table
from customer_classification.pipelines.product_recommendation.scoring import (
    CategoryResponseModels,
    ItemSimilarity,
    hit_rate_and_map,
    rank_candidates,
)
from customer_classification.pipelines.product_recommendation.spark import recommend_on_spark, scenarios_on_spark
from customer_classification.spark_apply import is_spark

logger = logging.getLogger(__name__)
KEYS = ["customer_id", "snapshot_date"]
TRAIN, VALIDATION, TEST = 0, 1, 2


def _snapshots(frame: Any, snapshots: list[dt.date]) -> pd.DataFrame:
    return snapshot_rows(frame, "snapshot_date", snapshots).sort_values(KEYS, ignore_index=True)


def _with_labels(
    features: Any, labels: Any, snapshots: list[dt.date], params: ProductRecommendationParams, group: int
) -> pd.DataFrame:
    """Features and labels of the customers of one holdout group (all customers without a holdout).
    The group's rows are chosen in the scan: the other groups' features never reach pandas."""
    where = None
    if params.customer_holdout is not None:
        ids = snapshot_rows(features, "snapshot_date", snapshots, ["customer_id"])["customer_id"].drop_duplicates()
        where = nw.col("customer_id").is_in(ids[customer_group(ids, params.customer_holdout) == group].tolist())
    frame = snapshot_rows(features, "snapshot_date", snapshots, where=where).sort_values(KEYS, ignore_index=True)
    outcomes = _snapshots(labels, snapshots).drop(columns=["is_long_tail"], errors="ignore")
    return frame.merge(outcomes, on=KEYS, how="left", validate="one_to_one")


def _numeric_features(frame: pd.DataFrame, features: Any) -> list[str]:
    """The columns of ``frame`` that are float features of the table ``features``."""
    names = set(nw.from_native(features).columns) - set(KEYS)
    return [c for c in frame.columns if c in names and pd.api.types.is_float_dtype(frame[c])]


def build_propensity_table(
    customer_features: Any, model_labels: Any, product_recommendation: ProductRecommendationParams
) -> pd.DataFrame:
    """The next-product model's table: features and ``next_product_category`` with the split."""
    params = product_recommendation
    return assemble_model_table(customer_features, model_labels, params.propensity.model, params.split)


def tune_propensity(
    propensity_table: pd.DataFrame, product_recommendation: ProductRecommendationParams
) -> tuple[optuna.Study, StudyOutcome]:
    """The multiclass study (returned twice: persisted for optuna-dashboard, kept for the refit)."""
    spec = product_recommendation.propensity
    outcome, encoder = tune(propensity_table, spec.model, spec.study, spec.min_rows)
    outcome.encoder = encoder
    return outcome.study, outcome


def fit_recommenders(
    customer_features: Any,
    model_labels: Any,
    propensity_table: pd.DataFrame,
    propensity_tuning: StudyOutcome,
    product_recommendation: ProductRecommendationParams,
) -> Recommender:
    """Item similarity and response models fitted on the training customers and snapshots;
    the next-product model's champion refitted on train + validation."""
    params = product_recommendation
    training = _with_labels(customer_features, model_labels, params.training_snapshots, params, TRAIN)
    numeric = _numeric_features(training, customer_features)
    similarity = ItemSimilarity(params.categories).fit(training)
    response = CategoryResponseModels(
        params.categories, numeric, min_positives=params.response_min_positives, seed=params.seed
    ).fit(training, training)
    acquired = training["next_product_category"].value_counts()
    popularity = np.array([acquired.get(c, 0) for c in params.categories], dtype=float)
    spec = params.propensity
    propensity = refit_champion(propensity_table, propensity_tuning, propensity_tuning.encoder, spec.model, spec.study)
    logger.info(
        "Recommenders fitted on %s customer-snapshots; response models learned for %s of %s categories; "
        "next-product champion: %s",
        f"{len(training):,}",
        sum(not isinstance(m, float) for m in response.models_.values()),
        len(params.categories),
        propensity.family,
    )
    return Recommender(
        params.categories,
        similarity,
        response,
        popularity / max(popularity.sum(), 1.0),
        propensity,
        propensity_tuning.champion.model,
    )


def _realised(frame: pd.DataFrame, categories: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose realised next category is recommendable, and its index."""
    position = {c: i for i, c in enumerate(categories)}
    realised = frame["next_product_category"].map(position)
    rows = realised.notna().to_numpy()
    return rows, realised[rows].astype(int).to_numpy()


def choose_blend(
    customer_features: Any,
    model_labels: Any,
    recommender: Recommender,
    product_recommendation: ProductRecommendationParams,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Blend weights (summing to 1, on a grid) that maximise the hit rate at k of the
    realised next category on the validation snapshot (mean average precision breaks ties).

    Returns the blend (weights and each source's standardisation) and every weight
    combination tried with its validation hit rate and MAP.
    """
    params = product_recommendation
    frame = _with_labels(customer_features, model_labels, [params.validation_snapshot], params, VALIDATION)
    held = recommender.held(frame)
    sources = recommender.source_scores(frame, out_of_sample=True)
    scale = {name: standardise(sources[name], held) for name in SOURCES}
    rows, realised = _realised(frame, recommender.categories)
    if not rows.any():
        raise ValueError(
            f"No customer acquired a recommendable category after the validation snapshot {params.validation_snapshot}; "
            "the blend cannot be chosen"
        )
    tried = []
    for weights in weight_grid(params.blend_step, params.min_response_weight):
        blend = {"weights": dict(zip(SOURCES, weights, strict=True)), "scale": scale}
        scores = combine(sources, blend, len(frame), len(recommender.categories))
        top = rank_candidates(scores[rows], held[rows], params.top_k)
        hit, average_precision = hit_rate_and_map(top, realised)
        tried.append({**blend["weights"], "hit_rate": hit, "map": average_precision})
    evidence = pd.DataFrame(tried).sort_values(["hit_rate", "map"], ascending=False, kind="stable", ignore_index=True)
    best = evidence.iloc[0]
    evidence["chosen"] = evidence.index == 0
    blend = {
        "weights": {name: float(best[name]) for name in SOURCES},
        "scale": {name: list(value) for name, value in scale.items()},
        "validation_snapshot": params.validation_snapshot.isoformat(),
        "validation_hit_rate": float(best["hit_rate"]),
        "validation_map": float(best["map"]),
        "customers_evaluated": int(rows.sum()),
    }
    logger.info(
        "Blend chosen on %s: %s (hit rate@%s %.3f)",
        params.validation_snapshot,
        blend["weights"],
        params.top_k,
        best["hit_rate"],
    )
    return blend, evidence


def evaluate_recommendations(
    customer_features: Any,
    model_labels: Any,
    recommender: Recommender,
    recommendation_blend: dict[str, Any],
    product_recommendation: ProductRecommendationParams,
) -> dict[str, Any]:
    """Hit rate and MAP at k of the realised next category on the out-of-time test snapshot,
    for the blend, each source alone and the popularity baseline (the most often acquired
    categories of the training snapshots, held ones excluded)."""
    params = product_recommendation
    frame = _with_labels(customer_features, model_labels, [params.test_snapshot], params, TEST)
    held = recommender.held(frame)
    rows, realised = _realised(frame, recommender.categories)
    sources = recommender.source_scores(frame)
    contenders = {
        "blend": blended_scores(recommender, recommendation_blend, frame),
        **sources,
        "popularity": np.tile(recommender.popularity, (len(frame), 1)),
    }
    results = {}
    for name, scores in contenders.items():
        top = rank_candidates(scores[rows], held[rows], params.top_k)
        hit, average_precision = hit_rate_and_map(top, realised)
        results[name] = {
            f"hit_rate_at_{params.top_k}": round(hit, 4),
            f"map_at_{params.top_k}": round(average_precision, 4),
        }
    key = f"hit_rate_at_{params.top_k}"
    baseline = results["popularity"][key]
    candidates_left = (~held[rows]).sum(axis=1)
    return {
        "test_snapshot": params.test_snapshot.isoformat(),
        "k": params.top_k,
        "customers_evaluated": int(rows.sum()),
        "customers_at_snapshot": len(frame),
        "mean_categories_not_held": round(float(candidates_left.mean()), 3),
        "share_with_at_most_k_candidates": round(float((candidates_left <= params.top_k).mean()), 4),
        "scores": results,
        "blend_over_popularity": round(results["blend"][key] / baseline, 4) if baseline else None,
        "largest_possible_ratio_over_popularity": round(1 / baseline, 4) if baseline else None,
        "blend_weights": recommendation_blend["weights"],
    }


def recommend_products(
    customer_features: Any,
    recommender: Recommender,
    recommendation_blend: dict[str, Any],
    product_recommendation: ProductRecommendationParams,
) -> pd.DataFrame:
    """The top k categories each customer of the scoring snapshot does not hold, with the
    blended score and a reason in words (the source that contributed most)."""
    params = product_recommendation
    if is_spark(customer_features):
        return recommend_on_spark(
            customer_features, recommender, recommendation_blend, params, recommend_products, propensity_led_picks
        )
    frame = _snapshots(customer_features, [params.scoring_snapshot])
    held, sources, scores, (customer, rank, category, leading) = _picks(
        frame, recommender, recommendation_blend, params
    )
    link = recommender.similarity.strongest_link_of(held, customer, category)
    driver = np.full(len(customer), None, dtype=object)
    by_propensity = np.flatnonzero(leading == "propensity")
    attribution = chosen_attribution(
        params.reason_attribution, len(by_propensity), params.treeshap_max_rows, "recommendations' strongest signals"
    )
    driver[by_propensity] = propensity_drivers(
        recommender, frame, np.column_stack([customer[by_propensity], category[by_propensity]]), attribution
    )
    unexplained = ((leading == "collaborative_filtering") & (link == None)) | (  # noqa: E711 - elementwise
        (leading == "propensity") & (driver == None)  # noqa: E711
    )
    source = np.where(unexplained, "campaign_response", leading)
    names = np.array([c.replace("_", " ") for c in recommender.categories], dtype=object)
    facts = {
        "link": np.array([str(x).replace("_", " ") for x in link], dtype=object),
        "category": names[category],
        "value": sources["campaign_response"][customer, category],
        "chance": sources["propensity"][customer, category],
        "driver": driver,
    }
    reason = np.empty(len(customer), dtype=object)
    for name, template in REASONS.items():
        rows = np.flatnonzero(source == name)
        reason[rows] = [template.format(**{key: values[j] for key, values in facts.items()}) for j in rows]
    table = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy()[customer],
            "snapshot_date": frame["snapshot_date"].to_numpy()[customer],
            "rank": rank + 1,
            "product_category": np.array(recommender.categories, dtype=object)[category],
            "score": scores[customer, category],
            "reason_source": source,
            "reason": reason,
        }
    )
    return table.sort_values([*KEYS, "rank"], ignore_index=True)


def _picks(frame: pd.DataFrame, recommender: Recommender, blend: dict[str, Any], params: ProductRecommendationParams):
    """What is held, each source's scores, the blend, and the top k picks: per pick its customer
    (row of ``frame``), rank, category and leading source."""
    held = recommender.held(frame)
    sources = recommender.source_scores(frame)
    scores = combine(sources, blend, len(frame), len(recommender.categories))
    top = rank_candidates(scores, held, params.top_k)
    customer, rank = np.nonzero(top >= 0)
    category = top[customer, rank]
    return held, sources, scores, (customer, rank, category, _leading_source(sources, blend, customer, category))


def propensity_led_picks(
    customer_features: pd.DataFrame,
    recommender: Recommender,
    blend: dict[str, Any],
    params: ProductRecommendationParams,
) -> int:
    """How many of the scoring snapshot's picks the next-product model leads (those get a driver)."""
    frame = _snapshots(customer_features, [params.scoring_snapshot])
    if frame.empty:
        return 0
    leading = _picks(frame, recommender, blend, params)[3][3]
    return int((leading == "propensity").sum())


def _leading_source(
    sources: dict[str, np.ndarray], blend: dict[str, Any], customer: np.ndarray, category: np.ndarray
) -> np.ndarray:
    """Per (customer, category) pair: the source with the largest weighted standardised score
    (the first in the blend's order on a tie)."""
    names = [name for name, weight in blend["weights"].items() if weight > 0]
    contributions = np.column_stack(
        [
            blend["weights"][name]
            * (sources[name][customer, category] - blend["scale"][name][0])
            / blend["scale"][name][1]
            for name in names
        ]
    )
    return np.array(names, dtype=object)[contributions.argmax(axis=1)]


def place_customers(table: pd.DataFrame, params: ProductRecommendationParams) -> pd.DataFrame:
    """Each customer of the scenario table in the first scenario whose rule holds, with the rule."""
    placed = assign(table, params.scenarios)
    rules = {s.name: s.rule() for s in params.scenarios}
    return pd.DataFrame(
        {
            "customer_id": table["customer_id"],
            "snapshot_date": pd.Timestamp(params.scoring_snapshot),
            "scenario": placed,
            "rule": placed.map(rules).fillna("no rule holds"),
        }
    )


def assign_scenarios(
    customer_tags: pd.DataFrame,
    tag_weights: pd.DataFrame,
    potential_scores: pd.DataFrame,
    loan_demand_scores: pd.DataFrame,
    product_recommendations: pd.DataFrame,
    product_recommendation: ProductRecommendationParams,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each customer of the scoring snapshot in the first application scenario whose rule holds.

    Returns ``customer_scenarios`` (customer, snapshot, scenario, its rule) and
    ``scenario_summary`` (per scenario: title, rule, customers, share, and the tags its rule
    uses with their decision-tree weights for the M1 and M2 targets).
    """
    params = product_recommendation
    tables = (customer_tags, potential_scores, loan_demand_scores, product_recommendations)
    if is_spark(customer_tags):
        customers, counts = scenarios_on_spark(*tables, params, place_customers)
    else:
        customers = place_customers(scenario_table(*tables, params.scoring_snapshot), params)
        counts = customers["scenario"].value_counts()
    weights = tag_weights.set_index("tag")
    placed_in_all = int(counts.sum())
    rows = []
    for scenario in [*params.scenarios, None]:
        name = NO_SCENARIO if scenario is None else scenario.name
        used = [] if scenario is None else [c.column for c in scenario.when if c.column in weights.index]
        rows.append(
            {
                "scenario": name,
                "title": "No scenario" if scenario is None else scenario.title,
                "rule": "no rule holds" if scenario is None else scenario.rule(),
                "customers": int(counts.get(name, 0)),
                "share": float(counts.get(name, 0) / max(placed_in_all, 1)),
                "tags_used": "; ".join(
                    f"{t} (M1 weight {weights.at[t, 'm1_importance']:.3f}, M2 {weights.at[t, 'm2_importance']:.3f})"
                    for t in used
                ),
            }
        )
    summary = pd.DataFrame(rows)
    logger.info("Scenarios: %s", dict(zip(summary["scenario"], summary["customers"], strict=True)))
    return customers, summary
