"""Publishing: the cards built from the scored outputs, POSTed with the token, read back from the server."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest
import requests
from kedro.io import DatasetError

from customer_classification.datasets import FrontendAPIDataset
from customer_classification.pipelines.publish import nodes
from tests.conftest import run
from tests.frontend.conftest import TOKEN
from tests.frontend.outputs import customer_cards, pseudonym, rm_types_inputs, scored_outputs, segment_payload


@pytest.fixture(scope="module")
def cards() -> pl.DataFrame:
    return customer_cards()


def test_a_card_per_customer_named_by_pseudonym_only(cards):
    assert cards.height == 30
    assert sorted(cards["customer"]) == sorted(pseudonym(i) for i in range(1, 31))
    assert list(cards.columns) == list(nodes.CARD_COLUMNS)  # no customer_id, no column of int_customers but the RM
    card = cards.filter(pl.col("customer") == pseudonym(20)).row(0, named=True)
    assert card["rm_id"] is None and card["branch_id"] is None  # every fifth customer has no RM
    assert card["potential_loan_customer"] is True
    assert [s["group"] for s in card["segments"]] == ["basic", "lifestyle"]  # one per group, the scoring snapshot's
    assert [r["rank"] for r in card["recommendations"]] == [1, 2, 3]
    not_long_tail = cards.filter(pl.col("customer") == pseudonym(3)).row(0, named=True)
    assert not_long_tail["tier"] is None and not_long_tail["tier_reasons"] == []
    served = cards.filter(pl.col("customer") == pseudonym(1)).row(0, named=True)
    assert served["branch_id"] == "BR-B" and [r["feature"] for r in served["tier_reasons"]] == [
        "feature_1",
        "feature_2",
        "feature_3",
    ]


def test_without_segments_or_recommendations_every_card_has_empty_lists(server, publisher_token):
    outputs = scored_outputs()
    outputs["product_recommendations"] = None  # a bank that runs no product_recommendation
    cards = nodes.customer_cards(*outputs.values())
    assert cards["segments"].to_list() == cards["recommendations"].to_list() == [[]] * 30
    FrontendAPIDataset(url=f"{server.url}/api/customers").save(cards)
    assert requests.get(f"{server.url}/api/customers/{pseudonym(1)}", timeout=30).json()["segments"] == []


def test_two_scoring_snapshots_are_refused(cards):
    outputs = scored_outputs()
    outputs["loan_demand_scores"].loc[0, "snapshot_date"] = pd.Timestamp("2026-10-01")
    with pytest.raises(ValueError, match="loan_demand_scores: one scoring snapshot expected in 'snapshot_date'"):
        nodes.customer_cards(*outputs.values())


def test_published_with_the_dataset_and_read_back(server, publisher_token, cards):
    FrontendAPIDataset(url=f"{server.url}/api/customers").save(cards)
    FrontendAPIDataset(url=f"{server.url}/api/rm_types").save(nodes.rm_types_payload(*rm_types_inputs()))
    FrontendAPIDataset(url=f"{server.url}/api/segments/lifestyle").save(segment_payload())

    card = requests.get(f"{server.url}/api/customers/{pseudonym(1)}", timeout=30).json()
    assert card == {**cards.filter(pl.col("customer") == pseudonym(1)).row(0, named=True), "snapshot": "2026-11-01"}
    branches = requests.get(f"{server.url}/branches", timeout=30).text
    assert "BR-A" in branches and "BR-B" in branches and "no branch (no RM)" in branches
    rm_page = requests.get(f"{server.url}/rm-types", timeout=30).text
    assert "insurance" in rm_page and "mutual_fund" in rm_page
    kinds = sorted(p["kind"] for p in requests.get(f"{server.url}/api/publications", timeout=30).json())
    assert kinds == ["customers", "rm_types", "segments"]


def test_publishing_without_the_token_says_where_to_put_it(server, monkeypatch, cards):
    monkeypatch.delenv("CC_FRONTEND_TOKEN", raising=False)
    with pytest.raises(DatasetError, match="set the environment variable CC_FRONTEND_TOKEN"):
        FrontendAPIDataset(url=f"{server.url}/api/customers").save(cards)
    monkeypatch.setenv("CC_FRONTEND_TOKEN", "a-wrong-token")
    with pytest.raises(DatasetError, match="401 Unauthorized"):
        FrontendAPIDataset(url=f"{server.url}/api/segments/lifestyle").save(segment_payload())
    with pytest.raises(DatasetError, match="401 Unauthorized"):
        FrontendAPIDataset(url=f"{server.url}/api/customers").save(cards)
    assert requests.get(f"{server.url}/api/publications", timeout=30).json() == []
    # the token may come from credentials.yml instead of the environment
    monkeypatch.delenv("CC_FRONTEND_TOKEN")
    FrontendAPIDataset(url=f"{server.url}/api/customers", credentials={"token": TOKEN}).save(cards)
    assert [p["kind"] for p in requests.get(f"{server.url}/api/publications", timeout=30).json()] == ["customers"]


def test_kedro_run_env_frontend_publishes_the_last_run(finished_workdir, server, publisher_token):
    # the default run wrote the publications as files (no server needed) ...
    frontend_files = finished_workdir / "data" / "08_reporting" / "frontend"
    assert (frontend_files / "rm_types.json").exists() and any((frontend_files / "customer_cards").iterdir())
    # ... and --env frontend POSTs them to the server named in conf/frontend/globals.yml
    (finished_workdir / "conf" / "frontend" / "globals.yml").write_text(f"frontend_url: {server.url}\n")
    run(finished_workdir, env="frontend", pipeline="publish")

    published = requests.get(f"{server.url}/api/publications", timeout=30).json()
    assert sorted(p["name"] for p in published if p["kind"] == "segments") == sorted(
        ["basic", "financial", "non_financial", "lifestyle"]
    )
    customers = next(p for p in published if p["kind"] == "customers")
    cards = pl.read_parquet(frontend_files / "customer_cards" / "*.parquet")
    assert customers["records"] == cards.height > 0
    looked_up = requests.get(f"{server.url}/api/customers/{cards['customer'][0]}", timeout=30).json()
    assert looked_up["customer"] == cards["customer"][0] and looked_up["segments"]
