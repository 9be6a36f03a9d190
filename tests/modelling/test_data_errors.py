"""Every error a user meets from bad data handed to the modelling and segmentation code, with its
message: a small table broken in one way each."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError

from customer_classification.datasets import OptunaStudyDataset, PseudonymKeyDataset
from customer_classification.modelling.preprocessing import SegmentPreprocessor
from customer_classification.modelling.spec import ModelSpec
from customer_classification.modelling.table import FeatureEncoder, assemble_model_table, infer_feature_columns
from customer_classification.pipelines.clustering.params import ClusteringParams
from customer_classification.pipelines.clustering.selection import k_evidence
from customer_classification.pipelines.drift_monitoring.psi import psi
from customer_classification.registry import ModelRegistry
from tests.modelling.test_holdout import SPEC, SPLIT, bank
from tests.pipelines.in_memory import raw_parameters


def test_a_label_table_without_the_target_is_refused():
    features, labels = bank()
    with pytest.raises(ValueError, match=re.escape("label table: columns ['target'] are missing")):
        assemble_model_table(features, labels.drop(columns="target"), SPEC, SPLIT)


def test_a_feature_table_without_the_id_or_snapshot_column_is_refused():
    features, labels = bank()
    with pytest.raises(ValueError, match="feature table: the id column 'customer_id' is missing"):
        assemble_model_table(features.drop(columns="customer_id"), labels, SPEC, SPLIT)
    with pytest.raises(ValueError, match=r"column 'snapshot_date' \(the snapshot column\) is missing"):
        assemble_model_table(features.drop(columns="snapshot_date"), labels, SPEC, SPLIT)


def test_a_customer_repeated_at_a_snapshot_is_refused_with_an_example():
    features, labels = bank()
    repeated = pd.concat([features, features.iloc[[0]]])
    with pytest.raises(
        ValueError, match=r"feature table: 1 rows repeat a customer and snapshot, e\.g\. \[\{'customer_id': 1000"
    ):
        assemble_model_table(repeated, labels, SPEC, SPLIT)


def test_a_split_without_labelled_rows_names_the_split_and_population():
    features, labels = bank()
    labels.loc[labels["snapshot_date"] == "2026-04-01", "target"] = np.nan
    with pytest.raises(
        ValueError,
        match=re.escape("the test split of target 'target' has no labelled rows in the population ['in_population']"),
    ):
        assemble_model_table(features, labels, SPEC, SPLIT)


def test_declared_features_must_exist_be_present_and_hold_numbers():
    table = pd.DataFrame({"customer_id": [1, 2], "balance": [1.0, np.nan], "city": ["a", "b"]})
    declared = ModelSpec(target="target", task="binary", numeric_features=["balance", "income"])
    with pytest.raises(
        ValueError, match=re.escape("declared feature columns are not in the feature table: ['income']")
    ):
        infer_feature_columns(table, declared)
    with pytest.raises(ValueError, match="no usable feature: every declared feature is missing in the training rows"):
        FeatureEncoder(["balance"], []).fit(table.iloc[[1]])
    encoder = FeatureEncoder(["balance"], ["city"]).fit(table)
    with pytest.raises(ValueError, match=re.escape("the table to score lacks the model's feature columns ['city']")):
        encoder.transform(table.drop(columns="city"))
    with pytest.raises(
        ValueError, match=re.escape("feature 'balance' is declared numeric but holds text, e.g. ['high']")
    ):
        encoder.transform(table.assign(balance=["high", None]))


def test_a_segment_group_with_absent_or_empty_columns_is_refused():
    frame = pd.DataFrame({"aum": [1.0, 2.0, 3.0], "income": [np.nan] * 3})
    with pytest.raises(KeyError, match=re.escape("columns ['age'] are not in the feature table")):
        SegmentPreprocessor(["aum", "age"]).fit(frame)
    with pytest.raises(
        ValueError,
        match=re.escape("numeric columns ['income'] are missing for every customer; drop them from the group"),
    ):
        SegmentPreprocessor(["aum", "income"]).fit(frame)


def test_too_few_customers_for_the_k_range_are_refused():
    with pytest.raises(ValueError, match="3 customers are too few to try k from 4 to 8"):
        k_evidence(np.zeros((3, 2)), (4, 8), seed=0, restarts=2, silhouette_sample_size=100)


def test_an_unknown_segment_group_names_the_known_ones():
    params = ClusteringParams(**raw_parameters("clustering"))
    with pytest.raises(
        KeyError,
        match=re.escape(
            "no segment group 'savers' in clustering.groups; known: ['basic', 'financial', 'lifestyle', 'non_financial']"
        ),
    ):
        params.group("savers")


def test_psi_of_different_bins_is_refused():
    with pytest.raises(ValueError, match=re.escape("PSI needs the same bins on both sides, got (2,) and (3,)")):
        psi([0.5, 0.5], [0.2, 0.3, 0.5])


def test_a_registry_document_of_another_format_or_without_a_loader_is_refused():
    with pytest.raises(ValueError, match="model registry: format 2 is not the supported format 1"):
        ModelRegistry({"format": 2, "champions": {}, "retrains": []})
    with pytest.raises(ValueError, match="model registry: no loader to read potential_model version 2026-10"):
        ModelRegistry().load("potential_model", "2026-10")


def test_a_missing_study_file_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="no study file at .*study.db"):
        OptunaStudyDataset(str(tmp_path / "study.db")).load()


def test_without_a_pseudonymisation_key_the_run_says_where_to_set_one(monkeypatch):
    monkeypatch.delenv("CC_TEST_KEY", raising=False)
    dataset = PseudonymKeyDataset(env_var="CC_TEST_KEY")
    with pytest.raises(DatasetError, match="No pseudonymisation key: set the environment variable CC_TEST_KEY or"):
        dataset.load()
    with pytest.raises(DatasetError, match="The pseudonymisation key is read-only"):
        dataset.save("another-key")
    monkeypatch.setenv("CC_TEST_KEY", "bank-secret")
    assert dataset.load() == "bank-secret"
