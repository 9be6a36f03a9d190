"""Properties of method M5 that hold for any bank (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_classification.pipelines.rm_classification.mix import category_mix
from customer_classification.pipelines.rm_classification.thresholds import RMTypeClassifier
from tests.pipelines.rm_classification.conftest import client_table

CATEGORIES = ["wealth_management", "insurance", "mortgage"]
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def books(draw) -> dict:
    """RM books: small ranges so that ties, empty books and empty categories are frequent."""
    rm_ids = sorted(draw(st.sets(st.integers(1, 9_999), min_size=1, max_size=12)))
    result = {}
    for rm_id in rm_ids:
        n = draw(st.integers(0, 25))
        result[rm_id] = (n, {c: draw(st.integers(0, n)) for c in CATEGORIES})
    return result


classifier_settings = st.fixed_dictionaries(
    {
        "count_floor_t3": st.sampled_from([0, 1, 3, 8]),
        "share_floor_t4": st.sampled_from([0.0, 0.1, 0.3]),
        "cumulative_target": st.sampled_from([0.1, 0.2, 0.5, 0.85, 1.0]),
        "cumulative_band": st.sampled_from([0.0, 0.02, 0.05, 0.2]),
    }
)


def classify(clients: pd.DataFrame, rm_ids: list, options: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    mix = category_mix(clients, pd.Series(rm_ids), CATEGORIES)
    classifier = RMTypeClassifier(**options).fit(mix)
    return classifier.predict(mix), classifier.thresholds_


@PROPERTY_SETTINGS
@given(books(), classifier_settings, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_input_rows(bank, options, rng):
    clients = client_table(bank)
    rm_ids = list(bank)
    result, thresholds = classify(clients, rm_ids, options)

    shuffled_rows = clients.sample(frac=1.0, random_state=rng.randrange(2**32)).reset_index(drop=True)
    shuffled_rms = rng.sample(rm_ids, len(rm_ids))
    result_2, thresholds_2 = classify(shuffled_rows, shuffled_rms, options)

    pd.testing.assert_frame_equal(result, result_2)
    pd.testing.assert_frame_equal(thresholds, thresholds_2)


@PROPERTY_SETTINGS
@given(books(), classifier_settings, st.integers(1, 30), st.data())
def test_more_clients_in_a_category_never_remove_its_type_under_fixed_thresholds(bank, options, extra, data):
    """A typed RM stays typed; in fact neither criterion can switch off: count grows and
    share (c + k) / (n + k) >= c / n. Pairs are drawn among the typed ones when there are any."""
    clients = client_table(bank)
    mix = category_mix(clients, pd.Series(list(bank)), CATEGORIES)
    classifier = RMTypeClassifier(**options).fit(mix)
    before = classifier.predict(mix)
    pool = before[before["is_type"]] if before["is_type"].any() else before
    pick = pool.iloc[data.draw(st.integers(0, len(pool) - 1), label="pair")]

    newcomers = pd.DataFrame(
        {
            "customer_id": len(clients) + 1 + pd.RangeIndex(extra),
            "rm_id": pick["rm_id"],
            "category": pick["category"],
        }
    )
    bigger = category_mix(pd.concat([clients, newcomers], ignore_index=True), pd.Series(list(bank)), CATEGORIES)
    after = classifier.predict(bigger).set_index(["rm_id", "category"]).loc[(pick["rm_id"], pick["category"])]
    assert after["count"] == pick["count"] + extra
    for flag in ("type_by_count", "type_by_share", "is_type"):
        assert after[flag] or not pick[flag], flag


@PROPERTY_SETTINGS
@given(books(), classifier_settings, st.randoms(use_true_random=False))
def test_thresholds_and_types_do_not_depend_on_how_ties_are_ordered(bank, options, rng):
    """Renaming the RMs reorders every tie; T1, T2 and every RM's flags stay the same."""
    rm_ids = list(bank)
    renamed = dict(zip(rm_ids, rng.sample(range(10_000, 20_000), len(rm_ids)), strict=True))
    result, thresholds = classify(client_table(bank), rm_ids, options)
    renamed_bank = {renamed[r]: book for r, book in bank.items()}
    result_2, thresholds_2 = classify(client_table(renamed_bank), list(renamed_bank), options)

    numbers = [
        "t1_count_threshold",
        "t1_candidates",
        "t1_fallback",
        "t2_share_threshold",
        "t2_candidates",
        "t2_fallback",
    ]
    pd.testing.assert_frame_equal(thresholds[numbers], thresholds_2[numbers])
    flags = ["count", "share", "type_by_count", "type_by_share", "is_type"]
    back = result_2.assign(rm_id=result_2["rm_id"].map({v: k for k, v in renamed.items()}))
    pd.testing.assert_frame_equal(
        result.set_index(["rm_id", "category"]).sort_index()[flags],
        back.set_index(["rm_id", "category"]).sort_index()[flags],
    )


@PROPERTY_SETTINGS
@given(books(), classifier_settings, st.integers(1, 5))
def test_thresholds_lie_among_the_candidates_and_rms_without_clients_change_nothing(bank, options, n_empty):
    result, thresholds = classify(client_table(bank), list(bank), options)
    floors = {
        "t1_count_threshold": ("count", options["count_floor_t3"]),
        "t2_share_threshold": ("share", options["share_floor_t4"]),
    }
    for _, row in thresholds.iterrows():
        rows = result[result["category"] == row["category"]]
        for column, (measure, floor) in floors.items():
            candidates = rows.loc[rows[measure] > floor, measure]
            if candidates.empty:
                assert pd.isna(row[column])
            else:
                assert floor < row[column] and candidates.min() <= row[column] <= candidates.max()
    assert (result["is_type"] == (result["type_by_count"] | result["type_by_share"])).all()
    assert not result.loc[result["n_clients"] == 0, "is_type"].any()

    empty_rms = list(range(20_000, 20_000 + n_empty))
    result_2, thresholds_2 = classify(client_table(bank), list(bank) + empty_rms, options)
    pd.testing.assert_frame_equal(thresholds, thresholds_2)
    assert result_2.loc[result_2["rm_id"].isin(empty_rms), "share"].isna().all()
    assert not result_2.loc[result_2["rm_id"].isin(empty_rms), "is_type"].any()
