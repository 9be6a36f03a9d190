"""The demo bank generator: deterministic, realistic in shape, and carrying the planted signals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score, roc_auc_score

from customer_classification.contracts import RAW_TABLES
from customer_classification.demo_bank import bank
from customer_classification.demo_bank.catalogue import PERSONAS
from customer_classification.demo_bank.params import DemoBankParams
from customer_classification.taxonomy import ASSET_CATEGORIES


def test_same_seed_gives_identical_tables(small_params):
    rms, rm_truth = bank.make_relationship_managers(small_params)
    first = bank.simulate_chunk(0, small_params, rm_truth)
    second = bank.simulate_chunk(0, small_params, rm_truth)
    for name in bank.CHUNKED_TABLES:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True)
    pd.testing.assert_frame_equal(rms, bank.make_relationship_managers(small_params)[0])


def test_another_seed_gives_another_bank(small_params):
    other = small_params.model_copy(update={"seed": small_params.seed + 1})
    _, rm_truth = bank.make_relationship_managers(small_params)
    ours = bank.simulate_chunk(0, small_params, rm_truth)["transactions"]
    theirs = bank.simulate_chunk(0, other, rm_truth)["transactions"]
    assert not ours["amount"].head(100).equals(theirs["amount"].head(100))


def test_scale_and_calendar_follow_the_parameters(small_bank, small_params):
    customers = small_bank["customers"]
    assert len(customers) == small_params.n_customers
    assert customers["customer_id"].is_unique
    assert len(small_bank["relationship_managers"]) == small_params.n_relationship_managers
    months = pd.to_datetime(small_bank["holdings"]["month_end"]).dt.to_period("M").unique()
    assert len(months) == small_params.n_months
    assert str(months.max()) == small_params.last_month
    assert small_bank["transactions"]["timestamp"].dropna().max() <= pd.Timestamp(
        small_params.month_ends[-1]
    ) + pd.Timedelta(days=400)


def test_every_persona_is_present_in_its_share(small_bank):
    share = small_bank["demo_truth"]["persona"].value_counts(normalize=True)
    assert set(share.index) == set(PERSONAS)
    assert share.min() > 0.05


def test_shapes_are_realistic(small_bank):
    holdings = small_bank["holdings"].merge(small_bank["products"][["product_id", "category"]], on="product_id")
    last = holdings[holdings["month_end"] == holdings["month_end"].max()]
    aum = last[last["category"].isin(ASSET_CATEGORIES)].groupby("customer_id")["balance"].sum()
    # heavy-tailed assets: the mean far above the median, the top decile holding most of the money
    assert aum.mean() > 1.8 * aum.median()
    assert aum.nlargest(len(aum) // 10).sum() > 0.4 * aum.sum()

    customers = small_bank["customers"]
    assert 0.03 < customers["annual_income"].isna().mean() < 0.10
    assert customers["education"].isna().mean() > 0.03

    # spending peaks in December and around the new year
    debits = small_bank["transactions"].query("direction == 'debit'")
    per_month = debits.groupby(debits["timestamp"].dt.month).size()
    assert per_month[12] > 1.1 * per_month[[3, 4, 9]].mean()

    # personas drive behaviour: retirees are seldom online, students hold little
    truth = small_bank["demo_truth"].set_index("customer_id")
    logins = small_bank["digital_events"].query("event_type == 'login'").groupby("customer_id").size()
    logins = logins.reindex(truth.index, fill_value=0)
    assert (
        logins[truth["persona"] == "young_digital_professional"].mean()
        > 4 * logins[truth["persona"] == "retiree"].mean()
    )
    persona_aum = aum.groupby(truth["persona"]).median()
    assert persona_aum["affluent_saver"] > 5 * persona_aum["student"]


def _month_end_aum(tables) -> pd.DataFrame:
    holdings = tables["holdings"].merge(tables["products"][["product_id", "category"]], on="product_id")
    assets = holdings[holdings["category"].isin(ASSET_CATEGORIES)]
    return assets.groupby(["customer_id", "month_end"])["balance"].sum().unstack()


def test_true_upgrade_probability_ranks_realised_upgrades(small_bank, small_params):
    aum = _month_end_aum(small_bank)
    snapshot = 11
    window = small_params.outcome_window_months
    current = aum.iloc[:, snapshot]
    long_tail = current.notna() & (current < small_params.high_value_aum_line)
    upgraded = aum.iloc[:, snapshot + 1 : snapshot + 1 + window].max(axis=1) >= small_params.high_value_aum_line
    truth = small_bank["demo_truth"].set_index("customer_id")["upgrade_probability"]
    y = upgraded[long_tail]
    assert 0.01 < y.mean() < 0.15
    assert roc_auc_score(y, truth.reindex(y.index)) > 0.75


def test_true_expected_utilization_explains_realised_utilization(small_bank):
    lines = small_bank["credit_lines"]
    last = lines[(lines["month_end"] == lines["month_end"].max()) & (lines["credit_limit"] > 0)]
    realised = last["cumulative_drawn_amount"] / last["credit_limit"]
    truth = small_bank["demo_truth"].set_index("customer_id")["expected_utilization"].reindex(last["customer_id"])
    assert r2_score(realised, truth) > 0.6
    assert (lines["credit_limit"] == 0).any(), "some frozen lines with a zero limit exist"


def test_acquired_categories_follow_the_true_hazards(small_bank):
    holdings = small_bank["holdings"].merge(small_bank["products"][["product_id", "category"]], on="product_id")
    first_seen = holdings.groupby(["customer_id", "category"])["month_end"].min().reset_index()
    acquired = first_seen[first_seen["month_end"] > holdings["month_end"].min()]
    truth = small_bank["demo_truth"].set_index("customer_id")
    hazard = truth.filter(like="acquisition_hazard_").rename(columns=lambda c: c.removeprefix("acquisition_hazard_"))
    # the realised category should sit high in the customer's own hazard ranking
    ranks = hazard.rank(axis=1, ascending=False)
    acquired = acquired[acquired["category"].isin(hazard.columns)]
    realised_rank = ranks.to_numpy()[
        ranks.index.get_indexer(acquired["customer_id"]), hazard.columns.get_indexer(acquired["category"])
    ]
    assert realised_rank.mean() < 0.8 * (len(hazard.columns) + 1) / 2


def test_campaign_responses_follow_propensity_and_convert(small_bank):
    responses = small_bank["campaign_responses"]
    assert 0.03 < responses["responded"].mean() < 0.3
    assert responses.loc[~responses["responded"], "response_date"].isna().all()
    assert (
        responses.loc[responses["responded"], "response_date"] > responses.loc[responses["responded"], "offer_date"]
    ).all()


def test_specialist_rms_have_more_clients_in_their_category(small_bank):
    holdings = small_bank["holdings"].merge(small_bank["products"][["product_id", "category"]], on="product_id")
    last = holdings[holdings["month_end"] == holdings["month_end"].max()]
    clients = small_bank["customers"][["customer_id", "rm_id"]].dropna()
    mix = (
        last.merge(clients, on="customer_id")
        .groupby(["rm_id", "category"])["customer_id"]
        .nunique()
        .unstack(fill_value=0)
    )
    share = mix.div(clients.groupby("rm_id").size(), axis=0)
    specialism = small_bank["demo_rm_truth"].set_index("rm_id")["specialism"]
    lifts = []
    for category in specialism.dropna().unique():
        specialists = specialism.index[specialism == category].intersection(share.index)
        others = share.index.difference(specialists)
        lifts.append(share.loc[specialists, category].mean() / share.loc[others, category].mean())
    assert np.mean(lifts) > 1.3


def test_truth_is_kept_apart_from_raw_tables(small_bank):
    hidden = {
        "persona",
        "upgrade_probability",
        "expected_utilization",
        "specialism",
        "repayment_share",
        "expected_cumulative_drawdown",
    }
    for name in RAW_TABLES:
        assert hidden.isdisjoint(small_bank[name].columns), name


def test_invalid_parameters_fail_with_the_field_name():
    with pytest.raises(ValueError, match="last_month"):
        DemoBankParams(last_month="October 2026")
    with pytest.raises(ValueError, match="n_customers"):
        DemoBankParams(n_customers=0)
