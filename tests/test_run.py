"""The whole project, run as a user runs it: ``kedro run`` on a tiny demo bank.

The default run is made once per session (``default_run_project``); the tests that run again
start from a copy of it (the rerun: ``month_rerun``, shared with tests/pipelines/model_registry)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from customer_classification.contracts import RAW_TABLES, ContractError
from tests.conftest import TINY, run


def test_default_run_writes_the_demo_warehouse(default_run_project):
    workdir = default_run_project
    raw = workdir / "data" / "01_raw" / "demo_bank"
    tables = {p.name for p in raw.iterdir()}
    assert tables == set(RAW_TABLES)
    customers = pd.read_parquet(raw / "customers")
    assert len(customers) == TINY["demo_bank"]["n_customers"]
    assert len(list((raw / "transactions").glob("part-*.parquet"))) == 3  # 400 customers in chunks of 150
    truth = pd.read_parquet(workdir / "data" / "01_raw" / "demo_truth" / "customers")
    assert truth["customer_id"].tolist() == customers["customer_id"].tolist()

    features = pd.read_parquet(workdir / "data" / "04_feature" / "customer_features")
    assert features.groupby("snapshot_date").size().index.size == 5
    assert (workdir / "data" / "08_reporting" / "data_quality_report.json").exists()


def _pii_values(workdir: Path) -> set[str]:
    raw = workdir / "data" / "01_raw" / "demo_bank"
    customers = pd.read_parquet(raw / "customers")
    rms = pd.read_parquet(raw / "relationship_managers")
    values = pd.concat([customers["name"], customers["id_number"], customers["phone"], rms["rm_name"]])
    return set(values.dropna().astype(str))


def test_no_raw_pii_value_is_written_past_the_raw_layer(default_run_project):
    workdir = default_run_project
    pii = _pii_values(workdir)
    checked = 0
    for layer in sorted((workdir / "data").iterdir()):
        if layer.name == "01_raw":
            continue
        for path in layer.rglob("*"):
            if path.suffix == ".parquet":
                table = pq.read_table(path)
                for column in table.column_names:
                    if pa.types.is_string(table.schema.field(column).type) or pa.types.is_large_string(
                        table.schema.field(column).type
                    ):
                        leaked = pii & set(table.column(column).to_pylist())
                        assert not leaked, f"{path}: {column} holds PII, e.g. {sorted(leaked)[:3]}"
                checked += 1
            elif path.suffix in (".json", ".csv", ".html"):
                text = path.read_text()
                assert not [v for v in pii if v in text], f"{path} holds PII"
                checked += 1
    assert checked >= 8


def test_a_broken_extract_stops_the_run_and_keeps_the_last_good_outputs(finished_workdir):
    workdir = finished_workdir  # the last good outputs: a complete default run
    features_path = workdir / "data" / "04_feature" / "customer_features"
    good = pd.read_parquet(features_path)
    holdings = workdir / "data" / "01_raw" / "demo_bank" / "holdings"
    for part in holdings.glob("*.parquet"):
        pq.write_table(pq.read_table(part).drop_columns(["balance"]), part)
    with pytest.raises(ContractError, match="table 'holdings', column 'balance', rule 'required column is missing'"):
        run(workdir, pipeline="data_engineering")
    pd.testing.assert_frame_equal(pd.read_parquet(features_path), good)


def test_rerun_with_the_same_seed_is_identical_bit_for_bit(first_month, month_rerun):
    # the second run regenerates the demo bank and retrains over the first one's outputs (the
    # session's default run); the registry's files and the month's outputs: tests/pipelines/model_registry
    for before, after in zip(first_month["tables"], month_rerun["tables"], strict=True):
        pd.testing.assert_frame_equal(before, after, check_exact=True)


def test_demo_refuses_to_write_over_a_configured_warehouse(workdir):
    warehouse = workdir / "warehouse"
    warehouse.mkdir()
    pd.DataFrame({"customer_id": [1]}).to_parquet(warehouse / "customers.parquet")
    prod = workdir / "conf" / "prod"
    prod.mkdir()
    (prod / "catalog.yml").write_text(
        "customers:\n  type: pandas.ParquetDataset\n  filepath: warehouse/customers.parquet\n"
    )
    with pytest.raises(RuntimeError, match=r"would write over datasets that are not marked as demo outputs: customers"):
        run(workdir, env="prod")
    assert pd.read_parquet(warehouse / "customers.parquet")["customer_id"].tolist() == [1]
    assert not (workdir / "data").exists(), "nothing was generated"


def test_real_warehouse_without_a_pseudonym_key_is_refused(demo_bank_workdir, monkeypatch):
    workdir = demo_bank_workdir
    monkeypatch.delenv("CC_PSEUDONYM_KEY", raising=False)
    prod = workdir / "conf" / "prod"
    prod.mkdir()
    (prod / "catalog.yml").write_text(
        "customers:\n"
        "  type: customer_classification.datasets.ChunkedParquetDataset\n"
        "  path: data/01_raw/demo_bank/customers\n"
        "  backend: polars\n"
    )
    with pytest.raises(
        RuntimeError, match="no pseudonymisation key is set: set the environment variable CC_PSEUDONYM_KEY"
    ):
        run(workdir, env="prod", pipeline="data_engineering")
    assert not (workdir / "data" / "04_feature" / "customer_features").exists()

    monkeypatch.setenv("CC_PSEUDONYM_KEY", "a-real-secret")
    run(workdir, env="prod", pipeline="data_engineering")
    assert (workdir / "data" / "04_feature" / "customer_features").exists()
