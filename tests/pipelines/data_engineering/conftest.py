"""Run the data_engineering pipeline in memory on the session's small demo bank."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from customer_classification.contracts import RAW_TABLES
from customer_classification.pipelines.data_engineering import create_pipeline
from customer_classification.pipelines.data_engineering.params import DataEngineeringParams
from tests.pipelines.in_memory import KeptDataset

TEST_KEY = "test-pseudonym-key"
SNAPSHOTS = [dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 5, 1), dt.date(2026, 11, 1)]


def engineering_params(small_params) -> DataEngineeringParams:
    return DataEngineeringParams(
        last_history_month=small_params.last_month,
        snapshots=SNAPSHOTS,
        outcome_window_months=small_params.outcome_window_months,
        high_value_aum_line=small_params.high_value_aum_line,
    )


def to_engine(frame: pd.DataFrame, engine: str):
    """A raw table as the catalog would load it: ``polars``, ``polars_lazy`` (a scan's
    plan, as the base catalog gives) or ``pandas``."""
    if engine == "polars_lazy":
        return pl.from_pandas(frame).lazy()
    return pl.from_pandas(frame) if engine == "polars" else frame.copy()


def run_data_engineering(raw: dict, params: DataEngineeringParams, engine: str = "polars") -> dict:
    """Every output of the pipeline, run by Kedro's runner on in-memory datasets."""
    pipeline = create_pipeline()
    catalog = DataCatalog(
        {
            **{name: MemoryDataset(to_engine(raw[name], engine), copy_mode="assign") for name in RAW_TABLES},
            "params:data_engineering": MemoryDataset(params, copy_mode="assign"),
            "pseudonym_key": MemoryDataset(TEST_KEY),
        }
    )
    for name in pipeline.all_outputs():
        catalog[name] = KeptDataset(copy_mode="assign")
    SequentialRunner().run(pipeline, catalog)
    return {name: catalog.load(name) for name in pipeline.all_outputs()}


@pytest.fixture(scope="session")
def de_params(small_params) -> DataEngineeringParams:
    return engineering_params(small_params)


@pytest.fixture(scope="session")
def engineered(small_bank, de_params) -> dict:
    return run_data_engineering(small_bank, de_params)
