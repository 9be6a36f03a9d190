"""The whole project, run as a user runs it: ``kedro run`` on a tiny demo bank."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

PROJECT = Path(__file__).resolve().parents[1]
TINY = {"demo_bank": {"n_customers": 400, "chunk_size": 150, "customers_per_rm": 40}}


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A copy of the project's settings in an empty folder, so the run writes its data there."""
    shutil.copytree(PROJECT / "conf", tmp_path / "conf", ignore=shutil.ignore_patterns("credentials*"))
    (tmp_path / "conf" / "local").mkdir(exist_ok=True)
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    shutil.copytree(PROJECT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    bootstrap_project(tmp_path)
    return tmp_path


def run(workdir: Path, env: str | None = None, pipeline: str | None = None):
    with KedroSession.create(project_path=workdir, env=env, runtime_params=TINY) as session:
        return session.run(pipeline_names=[pipeline] if pipeline else None)


def test_default_run_writes_the_demo_warehouse(workdir):
    run(workdir)
    raw = workdir / "data" / "01_raw" / "demo_bank"
    tables = {p.name for p in raw.iterdir()}
    assert tables == {
        "customers",
        "relationship_managers",
        "products",
        "holdings",
        "transactions",
        "credit_lines",
        "digital_events",
        "campaign_responses",
    }
    customers = pd.read_parquet(raw / "customers")
    assert len(customers) == TINY["demo_bank"]["n_customers"]
    assert len(list((raw / "transactions").glob("part-*.parquet"))) == 3  # 400 customers in chunks of 150
    truth = pd.read_parquet(workdir / "data" / "01_raw" / "demo_truth" / "customers")
    assert truth["customer_id"].tolist() == customers["customer_id"].tolist()


def test_rerun_with_the_same_seed_is_identical(workdir):
    run(workdir, pipeline="demo_data")
    first = pd.read_parquet(workdir / "data" / "01_raw" / "demo_bank" / "holdings")
    run(workdir, pipeline="demo_data")
    pd.testing.assert_frame_equal(first, pd.read_parquet(workdir / "data" / "01_raw" / "demo_bank" / "holdings"))


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


def test_real_warehouse_without_a_pseudonym_key_is_refused(workdir, monkeypatch):
    run(workdir, pipeline="demo_data")
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
