"""Nodes of ``clustering``: one group's segmentation, from features to a front-end payload."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from customer_classification.modelling.preprocessing import SegmentPreprocessor
from customer_classification.modelling.table import snapshot_rows
from customer_classification.pipelines.clustering import profiles as prof
from customer_classification.pipelines.clustering.params import ClusteringParams
from customer_classification.pipelines.clustering.selection import choose_k, fit_kmeans, k_evidence, relabel_by_size
from customer_classification.pipelines.clustering.targets import target_features
from customer_classification.pipelines.tag_system.params import TagSystemParams
from customer_classification.spark_apply import is_spark, map_partitions

logger = logging.getLogger(__name__)
KEYS = ["customer_id", "snapshot_date"]


@dataclass
class SegmentModel:
    """A fitted segmentation: preprocessing and K-means, with where they were fitted."""

    group: str
    fit_snapshot: dt.date
    preprocessor: SegmentPreprocessor
    kmeans: KMeans

    @property
    def k(self) -> int:
        return int(self.kmeans.n_clusters)

    def assign(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Cluster and distance to its centre (in the model's scaled units) for each row."""
        matrix = self.preprocessor.transform(frame)
        distances = self.kmeans.transform(matrix)
        cluster = distances.argmin(axis=1)
        return pd.DataFrame(
            {
                **{key: frame[key].to_numpy() for key in KEYS},
                "cluster": cluster.astype("int64"),
                "distance_to_centre": distances[np.arange(len(cluster)), cluster],
            }
        )


def _sample(matrix: np.ndarray, size: int, seed: int) -> np.ndarray:
    """At most ``size`` rows drawn without replacement, in their original order."""
    if len(matrix) <= size:
        return matrix
    rows = np.sort(np.random.default_rng(seed).choice(len(matrix), size=size, replace=False))
    return matrix[rows]


def fit_segments(
    customer_features: Any, tag_system: TagSystemParams, clustering: ClusteringParams, group: str
) -> tuple[SegmentModel, pd.DataFrame]:
    """Fit preprocessing on the fit snapshot, choose k (or take the preset one), fit K-means.

    The features are the source features of the group's target tags (:mod:`.targets`).
    Returns the model and ``k_selection``: one row per k tried with inertia,
    silhouette, stability, the elbow, and the chosen k with the reason.
    """
    segment_group = clustering.group(group)
    numeric, categorical = target_features(group, segment_group, tag_system, customer_features)
    columns = [*KEYS, *numeric, *categorical]
    frame = snapshot_rows(customer_features, "snapshot_date", [clustering.fit_snapshot], columns)
    if frame.empty:
        raise ValueError(f"Segment group '{group}': no customers at the fit snapshot {clustering.fit_snapshot}")
    preprocessor = SegmentPreprocessor(
        numeric,
        categorical,
        log_skew_above=clustering.preprocessing.log_skew_above,
        winsor_quantiles=clustering.preprocessing.winsor_quantiles,
        categorical_weight=segment_group.categorical_weight,
    ).fit(frame)
    matrix = preprocessor.transform(frame)
    search = clustering.k_selection
    # many small fits: one thread each beats a thread pool that oversubscribes shared cores
    with threadpool_limits(limits=1):
        evidence = k_evidence(
            _sample(matrix, search.sample_size, clustering.seed),
            segment_group.k_range,
            seed=clustering.seed,
            restarts=search.restarts,
            silhouette_sample_size=search.silhouette_sample_size,
        )
    evidence = choose_k(evidence, search.min_stability, segment_group.preset_k)
    k = int(evidence.loc[evidence["chosen"], "k"].iloc[0])
    fit_rows = _sample(matrix, search.fit_sample_size, clustering.seed)
    kmeans = relabel_by_size(fit_kmeans(fit_rows, k, seed=clustering.seed, n_init=search.n_init), fit_rows)
    logger.info("Segment group '%s': k = %s (%s)", group, k, evidence.loc[evidence["chosen"], "reason"].iloc[0])
    evidence.insert(0, "group", group)
    return SegmentModel(group, clustering.fit_snapshot, preprocessor, kmeans), evidence


def assign_clusters(customer_features: Any, segment_model: SegmentModel) -> pd.DataFrame:
    """Every customer of every snapshot in a cluster of the fitted model (from a Spark table, a
    Spark table assigned partition by partition, in no particular order)."""
    if is_spark(customer_features):
        return map_partitions(assign_clusters, customer_features, segment_model)
    columns = [*KEYS, *segment_model.preprocessor.numeric, *segment_model.preprocessor.categorical]
    frame = snapshot_rows(customer_features, "snapshot_date", None, columns)
    assigned = segment_model.assign(frame).sort_values(KEYS, ignore_index=True)
    assigned.insert(0, "group", segment_model.group)
    return assigned


def _tag_titles(tag_dictionary: pd.DataFrame, tag_groups: list[str]) -> dict[str, str]:
    tags = tag_dictionary[tag_dictionary["group"].isin(tag_groups)].drop_duplicates("tag")
    return dict(zip(tags["tag"], tags["title"], strict=True))


def profile_clusters(
    customer_features: Any,
    customer_tags: Any,
    tag_dictionary: pd.DataFrame,
    cluster_assignments: pd.DataFrame,
    clustering: ClusteringParams,
    group: str,
) -> pd.DataFrame:
    """Per cluster at the profile snapshot: size, share, every numeric feature and
    every tag level of the group's tag groups against the population, the most
    distinguishing ones ranked, and a readable name from the top tag levels.

    One row per cluster and feature (``kind`` = feature) or tag level (``kind`` = tag).
    """
    snapshot = clustering.profile_snapshot
    features = snapshot_rows(customer_features, "snapshot_date", [snapshot])
    dictionary = nw.from_native(tag_dictionary)
    dictionary = (dictionary.collect() if isinstance(dictionary, nw.LazyFrame) else dictionary).to_pandas()
    titles = _tag_titles(dictionary, clustering.group(group).describing_tag_groups)
    tags = snapshot_rows(customer_tags, "snapshot_date", [snapshot], [*KEYS, *titles])
    at = pd.Timestamp(snapshot)
    assigned = cluster_assignments[pd.to_datetime(cluster_assignments["snapshot_date"]) == at]
    frame = features.merge(assigned[[*KEYS, "cluster"]], on=KEYS, validate="one_to_one")
    # tags kept apart: a tag may share its name with a feature (city_tier)
    tags = frame[KEYS].merge(tags, on=KEYS, how="left", validate="one_to_one")
    clusters = frame["cluster"]
    numeric = [c for c in features.columns if c not in KEYS and pd.api.types.is_numeric_dtype(features[c])]
    by_feature = prof.feature_profiles(frame, clusters, numeric)
    by_feature["kind"] = "feature"
    by_feature["item"] = by_feature["feature"]
    by_feature["distinguishing_rank"] = (
        by_feature["standardised_difference"].abs().groupby(by_feature["cluster"]).rank(method="first", ascending=False)
    )
    by_level = prof.tag_profiles(tags, clusters, titles)
    by_level["readable"] = prof.readable_levels(by_level, dictionary[["tag", "label"]])
    top = prof.distinguishing_levels(by_level, clustering.n_distinguishing)
    by_level["kind"] = "tag"
    by_level["item"] = by_level["tag"]
    by_level["distinguishing_rank"] = np.nan
    ranks = top.groupby("cluster").cumcount() + 1
    by_level.loc[top.index, "distinguishing_rank"] = ranks.to_numpy()
    sizes = clusters.value_counts().sort_index()
    names = prof.cluster_names(sizes.index.tolist(), top, clustering.name_parts)
    table = pd.concat([by_feature.drop(columns="feature"), by_level], ignore_index=True)
    table.insert(1, "cluster_name", table["cluster"].map(names))
    table.insert(2, "customers", table["cluster"].map(sizes).astype("int64"))
    table.insert(3, "share", table["customers"] / len(frame))
    table.insert(0, "snapshot_date", at)
    for cluster, name in names.items():
        logger.info("Segment %s: %s (%s customers)", cluster, name, f"{sizes[cluster]:,}")
    return table.sort_values(["cluster", "kind", "distinguishing_rank", "item"], na_position="last", ignore_index=True)


def match_cluster_products(
    customer_features: Any,
    cluster_assignments: pd.DataFrame,
    cluster_profiles: pd.DataFrame,
    clustering: ClusteringParams,
) -> pd.DataFrame:
    """Product categories recommended per cluster at the profile snapshot (see :func:`profiles.match_products`)."""
    snapshot = clustering.profile_snapshot
    features = snapshot_rows(customer_features, "snapshot_date", [snapshot])
    assigned = cluster_assignments[pd.to_datetime(cluster_assignments["snapshot_date"]) == pd.Timestamp(snapshot)]
    frame = features.merge(assigned[[*KEYS, "cluster"]], on=KEYS, validate="one_to_one")
    names = cluster_profiles.drop_duplicates("cluster").set_index("cluster")["cluster_name"].to_dict()
    matches = prof.match_products(frame, frame["cluster"], names, clustering.product_matching)
    for cluster in matches.loc[matches["nothing_to_offer"], "cluster"].unique():
        logger.warning("Segment %s (%s): no product category to recommend", cluster, names[cluster])
    return matches


def build_segment_payload(
    cluster_profiles: pd.DataFrame, product_matches: pd.DataFrame, clustering: ClusteringParams, group: str
) -> dict[str, Any]:
    """The JSON a front end receives for one group: aggregates only, no customer identifiers."""
    snapshot = pd.Timestamp(cluster_profiles["snapshot_date"].iloc[0]).date().isoformat()
    return prof.segment_payload(
        group, clustering.group(group).title, snapshot, cluster_profiles, product_matches, clustering.n_distinguishing
    )
