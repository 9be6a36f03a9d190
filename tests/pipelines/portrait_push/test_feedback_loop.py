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
