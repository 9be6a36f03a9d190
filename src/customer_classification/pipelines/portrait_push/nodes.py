"""Nodes of ``portrait_push``: the group-portrait credit push model, one claim step per node."""

from __future__ import annotations

import logging
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from customer_classification.modelling.table import stratified_sample
from customer_classification.pipelines.portrait_push import evaluation
from customer_classification.pipelines.portrait_push.bundle import CUSTOMER_FEATURES, PortraitPush
from customer_classification.pipelines.portrait_push.evaluation_data import (
    PROFILE_COLUMNS,
    ServiceEvaluation,
    feedback_regression,
    match_profiles,
    matching_report,
    platform_history,
    service_terms,
)
from customer_classification.pipelines.portrait_push.frames import (
    KEYS,
    NO_PRODUCT,
    in_group,
    month_index,
    monthly_sequences,
    product_labels,
    rows_of,
)
from customer_classification.pipelines.portrait_push.params import PortraitPushParams
from customer_classification.pipelines.portrait_push.portrait import (
    PortraitWeigher,
    credit_groups,
    qualitative_portrait,
)
from customer_classification.pipelines.portrait_push.push_model import PushModel
from customer_classification.pipelines.portrait_push.scenarios import ScenarioDivider, scenario_takers
from customer_classification.pipelines.product_recommendation.recommender import blended_scores

logger = logging.getLogger(__name__)
FIT_GROUPS, TEST_GROUP = (0, 1), (2,)


def _catalogue(products: Any) -> pd.DataFrame:
    frame = nw.from_native(products)
    frame = frame.collect() if isinstance(frame, nw.LazyFrame) else frame
    return frame.to_pandas().sort_values("product_id", ignore_index=True)


def _rows(
    customer_features: Any,
    customer_tags: Any,
    cluster_assignments: Any,
    holdings: Any,
    products: Any,
    params: PortraitPushParams,
    snapshots: list,
) -> pd.DataFrame:
    """Features, tags, K-means segment and products held (and the next product) per customer and snapshot."""
    catalogue = _catalogue(products)
    holds = [f"holds_{c}" for c in params.categories]
    wanted = [*KEYS, *CUSTOMER_FEATURES, *holds, "drawn_amount_latest", "balance_wealth_management_latest",
              "balance_mutual_fund_latest"]  # fmt: skip
    rows = rows_of(customer_features, snapshots, list(dict.fromkeys(wanted)))
    tags = rows_of(customer_tags, snapshots)
    segments = rows_of(cluster_assignments, snapshots, [*KEYS, "cluster"]).rename(columns={"cluster": "segment"})
    labels = product_labels(holdings, products, snapshots, params.outcome_window_months, list(catalogue["product_id"]))
    rows = rows.merge(tags, on=KEYS, how="left", suffixes=("", "_tag")).merge(segments, on=KEYS, how="left")
    rows = rows.merge(labels, on=KEYS, how="left")
    product_flags = [f"holds_{p}" for p in catalogue["product_id"]]
    rows[product_flags] = rows[product_flags].fillna(False).astype(bool)
    rows["next_product"] = rows["next_product"].fillna(NO_PRODUCT)
    rows["segment"] = rows["segment"].fillna(-1).astype(int)
    return rows


def _tags(customer_tags: Any, params: PortraitPushParams) -> list[str]:
    columns = list(nw.from_native(customer_tags).columns)
    available = [c for c in columns if c not in KEYS]
    chosen = params.portrait.tags or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise ValueError(f"portrait_push.portrait.tags names tags {unknown} that customer_tags does not have")
    return chosen


def assemble_fitting_rows(
    customer_features: Any,
    customer_tags: Any,
    cluster_assignments: Any,
    model_labels: Any,
    holdings: Any,
    products: Any,
    portrait_push: PortraitPushParams,
) -> pd.DataFrame:
    """S1's data concentration: the fitting customers' rows of the training and validation snapshots."""
    params = portrait_push
    rows = _rows(
        customer_features, customer_tags, cluster_assignments, holdings, products, params, params.fitting_snapshots
    )
    labels = rows_of(model_labels, params.fitting_snapshots, [*KEYS, "next_product_category", "campaign_response"])
    rows = in_group(rows.merge(labels, on=KEYS, how="left"), params.customer_holdout, FIT_GROUPS)
    rows["credit_taken"] = rows["next_product_category"].isin(params.credit_categories).to_numpy()
    if rows.empty:
        raise ValueError(f"portrait_push: no fitting rows on the snapshots {params.fitting_snapshots}")
    strata = rows["snapshot_date"].astype(str) + "|" + rows["next_product"].astype(str)
    kept = stratified_sample(strata.to_numpy(), "classes", params.max_fitting_rows, params.seed)
    if kept is None:
        return rows
    logger.info(
        "portrait_push: %s fitting rows, a sample of %s kept (portrait_push.max_fitting_rows)",
        f"{len(rows):,}",
        f"{len(kept):,}",
    )
    return rows.iloc[kept].reset_index(drop=True)


def find_credit_groups(portrait_fitting_rows: pd.DataFrame, portrait_push: PortraitPushParams) -> pd.DataFrame:
    """S1: the K-means segments and how strongly each relates to credit take-up."""
    rows = portrait_fitting_rows
    groups = credit_groups(rows, rows["credit_taken"].to_numpy(), portrait_push.portrait)
    logger.info(
        "Segments strongly related to credit behaviour: %s of %s", groups["strongly_related"].sum(), len(groups)
    )
    return groups


def weigh_portrait_nodes(
    portrait_fitting_rows: pd.DataFrame,
    customer_tags: Any,
    credit_groups: pd.DataFrame,
    portrait_push: PortraitPushParams,
) -> tuple[PortraitWeigher, pd.DataFrame]:
    """S1's qualitative portrait, then S21's boosted decision trees weighing its nodes."""
    params = portrait_push
    portrait = qualitative_portrait(portrait_fitting_rows, _tags(customer_tags, params), credit_groups)
    weigher = PortraitWeigher.fit(
        portrait, portrait_fitting_rows["credit_taken"].to_numpy(), params.weights, params.seed
    )
    return weigher, weigher.report()


def divide_scenarios(
    portrait_fitting_rows: pd.DataFrame,
    customer_tags: Any,
    credit_groups: pd.DataFrame,
    portrait_weigher: PortraitWeigher,
    portrait_push: PortraitPushParams,
) -> tuple[ScenarioDivider, pd.DataFrame]:
    """S22-S25: scenarios by collaborative filtering, their features, the neighbouring-scenario
    regression and the screening threshold; per scenario: customers placed, targets, take-up."""
    params, rows = portrait_push, portrait_fitting_rows
    weighted = portrait_weigher.weighted(qualitative_portrait(rows, _tags(customer_tags, params), credit_groups))
    takers = scenario_takers(rows["next_product_category"], params.scenarios.scenarios)
    divider = ScenarioDivider.fit(weighted, takers, params.scenarios, params.credit_categories)
    placed = divider.place(weighted)
    summary = pd.DataFrame(
        {
            "scenario": list(params.scenarios.scenarios),
            "categories": [", ".join(m) for m in params.scenarios.scenarios.values()],
            "credit": divider.credit,
            "customers_placed": [int((placed["scenario"] == s).sum()) for s in params.scenarios.scenarios],
            "take_up_rate": takers.mean(axis=0).round(4),
            "take_up_rate_when_placed": [
                round(float(takers[placed["scenario"].to_numpy() == s, i].mean()), 4)
                if (placed["scenario"] == s).any()
                else None
                for i, s in enumerate(params.scenarios.scenarios)
            ],
        }
    )
    summary.attrs["targets"] = int(placed["is_target"].sum())
    return divider, summary


def _customers(int_customers: Any) -> pd.DataFrame:
    frame = nw.from_native(int_customers).select("customer_id", *PROFILE_COLUMNS)
    return (frame.collect() if isinstance(frame, nw.LazyFrame) else frame).to_pandas()


def verify_second_source(
    int_customers: Any, validated_platform_profiles: Any, portrait_push: PortraitPushParams
) -> dict[str, Any]:
    """S3: the warehouse's customers against the platform's latest profile before the scoring snapshot."""
    params = portrait_push
    history = platform_history(validated_platform_profiles, [month_index(params.scoring_snapshot)])
    latest = history.sort_values("ym").drop_duplicates("customer_id", keep="last")
    report = matching_report(match_profiles(_customers(int_customers), latest, params.matching), params.matching)
    logger.info(
        "Platform match: found %s, all fields agree %s", report["found_on_platform"], report["all_fields_agree"]
    )
    return report


def _history(validated_platform_profiles: Any, rows: pd.DataFrame) -> pd.DataFrame:
    return platform_history(validated_platform_profiles, sorted({month_index(d) for d in rows["snapshot_date"]}))


def _sources(balances: Any, digital: Any, campaigns: Any, credit: Any, platform: Any) -> dict[str, Any]:
    return {"balances": balances, "digital": digital, "campaigns": campaigns, "credit": credit, "platform": platform}


def fit_feedback(
    portrait_fitting_rows: pd.DataFrame,
    int_customers: Any,
    validated_platform_profiles: Any,
    products: Any,
    credit_groups: pd.DataFrame,
    portrait_weigher: PortraitWeigher,
    scenario_divider: ScenarioDivider,
    customer_tags: Any,
    portrait_push: PortraitPushParams,
) -> tuple[PortraitPush, pd.DataFrame]:
    """S3's standardisation, S4's regression of the feedback, S51's service evaluation and S52's
    adjustment: the push model's input weights. Returns the model so far and the regression."""
    params, rows = portrait_push, portrait_fitting_rows
    catalogue = _catalogue(products)
    push = PortraitPush(
        params.model_dump(mode="json"), _tags(customer_tags, params), list(catalogue["product_id"]), list(catalogue["category"]),
        credit_groups, portrait_weigher, scenario_divider,
    )  # fmt: skip
    history = _history(validated_platform_profiles, rows)
    push.service = ServiceEvaluation.fit(service_terms(rows, history))
    table = push.evaluation_data(rows, _customers(int_customers), history)
    push.columns = list(table.columns)
    push.scaler = StandardScaler().fit(table)
    standard = push.scaler.transform(table)
    offered = rows["campaign_response"].notna().to_numpy()
    responded = rows["campaign_response"][offered].astype(bool).to_numpy()
    if len(np.unique(responded)) < 2:
        raise ValueError(
            "portrait_push: the fitting rows' offers were all answered alike; the feedback cannot be regressed"
        )
    regression = feedback_regression(standard[offered], push.columns, responded, params.seed)
    push.feedback_weights = regression.set_index("feature")["feedback_weight"].reindex(push.columns).to_numpy()
    return push, regression


def fit_push_model(
    portrait_fitting_rows: pd.DataFrame,
    portrait_feedback: PortraitPush,
    int_customers: Any,
    validated_platform_profiles: Any,
    customer_month_balances: Any,
    customer_month_digital: Any,
    customer_month_campaigns: Any,
    customer_month_credit: Any,
    portrait_push: PortraitPushParams,
) -> PortraitPush:
    """S53-S56: the recurrent network on the rows whose customer took up a product in the window,
    each weighted by S51's service evaluation (S52's adjustment: a better-served customer's
    choice counts up to 20% more)."""
    params, push = portrait_push, portrait_feedback
    rows = portrait_fitting_rows[portrait_fitting_rows["next_product"] != NO_PRODUCT].reset_index(drop=True)
    history = _history(validated_platform_profiles, rows)
    table = push.evaluation_data(rows, _customers(int_customers), history)
    sources = _sources(customer_month_balances, customer_month_digital, customer_month_campaigns,
                       customer_month_credit, validated_platform_profiles)  # fmt: skip
    sequence = monthly_sequences(rows, sources, params.model.months)
    target = pd.Categorical(rows["next_product"], categories=push.products).codes
    service = table["service_evaluation"].to_numpy()
    weight = 1 + 0.1 * np.clip((service - service.mean()) / (service.std() + 1e-9), -2, 2)
    push.model = PushModel(
        push.scaler.n_features_in_, params.model.months, sequence.shape[2], push.products, params.model.model_dump()
    )
    push.model.fit(push.standardised(table), sequence, target, weight, params.seed)
    logger.info(
        "Push model fitted on %s rows; loss by epoch %s", f"{len(rows):,}", [round(v, 3) for v in push.model.history]
    )
    return push


def push_credit_products(
    portrait_push_model: PortraitPush,
    customer_features: Any,
    customer_tags: Any,
    cluster_assignments: Any,
    holdings: Any,
    products: Any,
    int_customers: Any,
    validated_platform_profiles: Any,
    customer_month_balances: Any,
    customer_month_digital: Any,
    customer_month_campaigns: Any,
    customer_month_credit: Any,
    portrait_push: PortraitPushParams,
) -> pd.DataFrame:
    """S57 and S4's push: the top k products each customer of the scoring snapshot does not hold,
    with the scenario, the neighbouring scenario and whether S25 screened them as a target.

    The scoring snapshot and k come from this run's parameters (a champion fitted last month
    pushes this month's customers); what the model was fitted with, from the model."""
    push = portrait_push_model
    params = push.params.model_copy(
        update={"scoring_snapshot": portrait_push.scoring_snapshot, "top_k": portrait_push.top_k}
    )
    rows = _rows(
        customer_features, customer_tags, cluster_assignments, holdings, products, params, [params.scoring_snapshot]
    )
    sources = _sources(customer_month_balances, customer_month_digital, customer_month_campaigns,
                       customer_month_credit, validated_platform_profiles)  # fmt: skip
    scores, tables = push.predict(rows, _customers(int_customers), _history(validated_platform_profiles, rows), sources)
    held = rows[[f"holds_{p}" for p in push.products]].to_numpy()
    top = evaluation.rank_candidates(scores, held, params.top_k)
    scenario = np.concatenate([t.attrs["scenario"] for t in tables])
    target = np.concatenate([t["is_target"].to_numpy() for t in tables]) > 0
    names = np.array(push.products, dtype=object)
    table = pd.DataFrame(
        {
            "customer_id": np.repeat(rows["customer_id"].to_numpy(), params.top_k),
            "snapshot_date": np.repeat(rows["snapshot_date"].to_numpy(), params.top_k),
            "rank": np.tile(np.arange(1, params.top_k + 1), len(rows)),
            "product_id": names[top.ravel().clip(0)],
            "probability": np.take_along_axis(scores, top.clip(0), axis=1).ravel(),
            "scenario": np.repeat(scenario, params.top_k),
            "is_target": np.repeat(target, params.top_k),
        }
    )
    return table[top.ravel() >= 0].reset_index(drop=True)


def evaluate_push(
    portrait_push_model: PortraitPush,
    portrait_fitting_rows: pd.DataFrame,
    recommender: Any,
    recommendation_blend: dict[str, Any],
    customer_features: Any,
    customer_tags: Any,
    cluster_assignments: Any,
    model_labels: Any,
    holdings: Any,
    products: Any,
    int_customers: Any,
    validated_platform_profiles: Any,
    customer_month_balances: Any,
    customer_month_digital: Any,
    customer_month_campaigns: Any,
    customer_month_credit: Any,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Out of time (the test snapshot) and out of customer (the test group): hit rate and MAP at k
    per product and per category for the push model, the existing recommenders and popularity."""
    push = portrait_push_model
    params = push.params
    snapshot = [params.test_snapshot]
    rows = _rows(customer_features, customer_tags, cluster_assignments, holdings, products, params, snapshot)
    rows = in_group(rows, params.customer_holdout, TEST_GROUP)
    labels = rows_of(model_labels, snapshot, [*KEYS, "next_product_category"])
    rows = rows.merge(labels, on=KEYS, how="left")
    features = rows_of(customer_features, snapshot).merge(rows[KEYS], on=KEYS).sort_values(KEYS, ignore_index=True)
    sources = _sources(customer_month_balances, customer_month_digital, customer_month_campaigns,
                       customer_month_credit, validated_platform_profiles)  # fmt: skip
    scores, _ = push.predict(rows, _customers(int_customers), _history(validated_platform_profiles, rows), sources)
    product_contenders, category_contenders = _contenders(push, scores, recommender, recommendation_blend,
                                                          features, portrait_fitting_rows)  # fmt: skip
    categories = recommender.categories
    k = params.top_k
    table = pd.concat(
        [
            evaluation.per_item(
                "product",
                push.products,
                product_contenders,
                rows[[f"holds_{p}" for p in push.products]].to_numpy(),
                rows["next_product"],
                k,
            ),
            evaluation.per_item(
                "category",
                categories,
                category_contenders,
                recommender.held(features),
                rows["next_product_category"],
                k,
            ),
        ],  # fmt: skip
        ignore_index=True,
    )
    report = {"test_snapshot": params.test_snapshot.isoformat(), "k": k, **evaluation.summary(table, k)}
    logger.info(
        "Portrait push over popularity: product hit rate x%s, category MAP x%s",
        report["product"]["hit_rate_over_popularity"],
        report["category"]["map_over_popularity"],
    )
    return table, report


def _contenders(
    push: PortraitPush,
    scores: np.ndarray,
    recommender: Any,
    recommendation_blend: dict[str, Any],
    features: pd.DataFrame,
    portrait_fitting_rows: pd.DataFrame,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each contender's scores per product and per category: the push model, the existing
    recommenders (category scores shared out over a category's products by how often the fitting
    rows took each) and popularity."""
    categories = recommender.categories
    existing = {
        "blend": blended_scores(recommender, recommendation_blend, features),
        **recommender.source_scores(features),
    }
    fitted = portrait_fitting_rows["next_product"].value_counts()
    taken = np.array([fitted.get(p, 0) for p in push.products], dtype=float)
    totals = pd.Series(taken).groupby(np.array(push.product_categories)).transform("sum").to_numpy()
    share = np.divide(taken, totals, out=np.zeros_like(taken), where=totals > 0)
    product_contenders = {
        "portrait_push": scores,
        **{
            name: evaluation.products_from_categories(s, categories, push.product_categories, share)
            for name, s in existing.items()
        },
        "popularity": np.tile(taken, (len(scores), 1)),
    }
    category_contenders = {
        "portrait_push": push.category_scores(scores, categories),
        **existing,
        "popularity": np.tile(recommender.popularity, (len(scores), 1)),
    }
    return product_contenders, category_contenders
