"""The feedback loop: customers who answer credit-card offers in the last month are pushed
differently the next month; the push of everyone else does not move."""

from __future__ import annotations

import narwhals as nw
import numpy as np
import pandas as pd

from customer_classification.pipelines.portrait_push import nodes

LAST_MONTH = 2026 * 12 + 9  # October 2026, the month before the scoring snapshot


def _push(bank: dict, campaigns) -> pd.DataFrame:
    return nodes.push_credit_products(
        bank["portrait_push_model"],
        bank["customer_features"],
        bank["customer_tags"],
        bank["lifestyle.cluster_assignments"],
        bank["holdings"],
        bank["products"],
        bank["int_customers"],
        bank["validated_platform_profiles"],
        bank["customer_month_balances"],
        bank["customer_month_digital"],
        campaigns,
        bank["customer_month_credit"],
        bank["portrait_push_model"].params,
    )


def test_new_responses_change_the_next_months_push(tiny_portrait):
    campaigns = nw.from_native(tiny_portrait["customer_month_campaigns"]).to_pandas()
    before = _push(tiny_portrait, campaigns)
    answered = set(campaigns.loc[campaigns["ym"] == LAST_MONTH, "customer_id"])
    responders = np.array(sorted(set(before["customer_id"]) - answered))[:40]
    new = pd.DataFrame(0, index=range(len(responders)), columns=campaigns.columns).astype(campaigns.dtypes)
    new["customer_id"], new["ym"] = responders, LAST_MONTH
    for column in ("n_offer", "n_response", "n_offer_responded"):
        new[column] = 1
    for column in ("n_offer_credit_card", "n_response_credit_card", "n_offer_responded_credit_card"):
        new[column] = 1
    after = _push(tiny_portrait, pd.concat([campaigns, new], ignore_index=True))

    def by_customer(push):
        return push.set_index(["customer_id", "rank"])[["product_id", "probability"]]

    moved = by_customer(before).compare(by_customer(after))
    changed = set(moved.index.get_level_values("customer_id"))
    assert changed and changed <= set(responders)
    lists_before = before.groupby("customer_id")["product_id"].apply(list)
    lists_after = after.groupby("customer_id")["product_id"].apply(list)
    assert (lists_before[responders] != lists_after[responders]).any()


def test_a_champion_fitted_last_month_pushes_this_months_scoring_snapshot(tiny_portrait):
    """``score`` runs a month's champion on the next month's parameters: the push describes the
    run's scoring snapshot, not the one the model was fitted for."""
    model = tiny_portrait["portrait_push_model"]
    earlier = model.params.test_snapshot  # a snapshot the tiny bank has features for
    campaigns = tiny_portrait["customer_month_campaigns"]
    now = model.params.model_copy(update={"scoring_snapshot": earlier, "top_k": 2})
    pushed = nodes.push_credit_products(
        model,
        *(tiny_portrait[name] for name in ("customer_features", "customer_tags", "lifestyle.cluster_assignments")),
        *(tiny_portrait[name] for name in ("holdings", "products", "int_customers", "validated_platform_profiles")),
        tiny_portrait["customer_month_balances"],
        tiny_portrait["customer_month_digital"],
        campaigns,
        tiny_portrait["customer_month_credit"],
        now,
    )
    assert not pushed.empty
    assert (pd.to_datetime(pushed["snapshot_date"]) == pd.Timestamp(earlier)).all()
    assert pushed["rank"].max() == 2
