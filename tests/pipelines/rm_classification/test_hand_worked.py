"""Method M5 on an example small enough to work out on paper."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from customer_classification.pipelines.rm_classification.mix import category_mix
from customer_classification.pipelines.rm_classification.thresholds import RMTypeClassifier, cumulative_threshold
from tests.pipelines.rm_classification.conftest import client_table

CATEGORIES = ["wealth_management", "insurance", "credit_card", "mortgage"]
# clients of each RM and, per category, how many of them hold it (RM 109 has no clients)
BOOKS = {
    101: (10, {"wealth_management": 3, "insurance": 2, "credit_card": 8}),
    102: (10, {"wealth_management": 5, "insurance": 1, "credit_card": 9}),
    103: (20, {"wealth_management": 4, "insurance": 6, "credit_card": 14}),
    104: (20, {"wealth_management": 4, "insurance": 4, "credit_card": 16}),
    105: (20, {"wealth_management": 2, "insurance": 8, "credit_card": 12}),
    106: (40, {"wealth_management": 12, "insurance": 10, "credit_card": 30}),
    107: (40, {"wealth_management": 8, "insurance": 12, "credit_card": 20}),
    108: (10, {"wealth_management": 4, "insurance": 3, "credit_card": 6}),
    109: (0, {}),
}
SETTINGS = {"count_floor_t3": 2, "share_floor_t4": 0.1, "cumulative_target": 0.2, "cumulative_band": 0.1}


@pytest.fixture
def worked():
    clients = client_table(BOOKS)
    mix = category_mix(clients, pd.Series(list(BOOKS)), CATEGORIES)
    classifier = RMTypeClassifier(**SETTINGS).fit(mix)
    return mix, classifier.thresholds_.set_index("category"), classifier.predict(mix)


def _typed(result: pd.DataFrame, category: str, flag: str) -> set[int]:
    rows = result[(result["category"] == category) & result[flag]]
    return set(rows["rm_id"])


def test_hand_worked_example(worked):
    """Nine RMs, four categories; T3 = 2 clients, T4 = 0.1, target 20%, band 10% (so 10%..30%).

    Clients per RM: 101:10 102:10 103:20 104:20 105:20 106:40 107:40 108:10 109:0.
    Shares are count / clients; sort ties go by rm_id.

    wealth_management, counts 101:3 102:5 103:4 104:4 105:2 106:12 107:8 108:4
      T1: count > 2 leaves 105 out. Sorted: 101(3) 103(4) 104(4) 108(4) 102(5) 107(8) 106(12), total 40.
          Cumulative: 3/40=.075 7/40=.175 11/40=.275 15/40=.375 20/40=.5 28/40=.7 1.
          Within .1...3: 103 (.175), 104 (.275).  T1 = (4+4)/2 = 4.
          The tie 103/104/108 at 4: 108 comes last and falls out; T1 is 4 whichever two are in.
          count > 4: 102, 106, 107.
      shares 101:.3 102:.5 103:.2 104:.2 105:.1 106:.3 107:.2 108:.4
      T2: share > .1 leaves 105 out. Sorted: 103(.2) 104(.2) 107(.2) 101(.3) 106(.3) 108(.4) 102(.5), total 2.1.
          Cumulative: .2/2.1=.095 .4/2.1=.190 .6/2.1=.286 .9/2.1=.429 ...
          Within .1...3: 104 (.190), 107 (.286).  T2 = (.2+.2)/2 = .2.
          share > .2 (strictly: the three at .2 are not): 101, 102, 106, 108.
      Types: 101 (share), 102 (both), 106 (both), 107 (count), 108 (share).

    insurance, counts 101:2 102:1 103:6 104:4 105:8 106:10 107:12 108:3
      T1: count > 2 leaves 101, 102 out. Sorted: 108(3) 104(4) 103(6) 105(8) 106(10) 107(12), total 43.
          Cumulative: 3/43=.070 7/43=.163 13/43=.302 21/43=.488 ...
          Within .1...3: 104 only (103 at .302 is just outside).  T1 = 4.
          count > 4: 103, 105, 106, 107.
      shares 101:.2 102:.1 103:.3 104:.2 105:.4 106:.25 107:.3 108:.3
      T2: share > .1 leaves 102 out. Sorted: 101(.2) 104(.2) 106(.25) 103(.3) 107(.3) 108(.3) 105(.4), total 1.95.
          Cumulative: .2/1.95=.103 .4/1.95=.205 .65/1.95=.333 ...
          Within .1...3: 101 (.103), 104 (.205).  T2 = .2.
          share > .2: 103, 105, 106, 107, 108.
      Types: 103, 105, 106, 107 (both), 108 (share).

    credit_card, counts 101:8 102:9 103:14 104:16 105:12 106:30 107:20 108:6
      T1: all above 2. Sorted: 108(6) 101(8) 102(9) 105(12) 103(14) 104(16) 107(20) 106(30), total 115.
          Cumulative: 6/115=.052 14/115=.122 23/115=.200 35/115=.304 ...
          Within .1...3: 101 (.122), 102 (.200).  T1 = (8+9)/2 = 8.5.
          count > 8.5: 102, 103, 104, 105, 106, 107.
      shares 101:.8 102:.9 103:.7 104:.8 105:.6 106:.75 107:.5 108:.6
      T2: all above .1. Sorted: 107(.5) 105(.6) 108(.6) 103(.7) 106(.75) 101(.8) 104(.8) 102(.9), total 5.65.
          Cumulative: .5/5.65=.088 1.1/5.65=.195 1.7/5.65=.301 ...
          Within .1...3: 105 only (108 at .301 is just outside).  T2 = .6.
          share > .6: 101, 102, 103, 104, 106.
      Types: 101 (share), 102..106 (both or count), 107 (count); not 108.

    mortgage: nobody holds it. No RM is above T3 or T4: T1 and T2 are undefined, nobody is typed.

    RM 109 has no clients: count 0 and no share in every category, never typed.
    """
    mix, thresholds, result = worked

    rm_109 = mix[mix["rm_id"] == 109]
    assert rm_109["n_clients"].eq(0).all() and rm_109["count"].eq(0).all() and rm_109["share"].isna().all()
    assert not result.loc[result["rm_id"] == 109, "is_type"].any()

    expected = {
        # category: (T1, T1 target set, T2, T2 target set, candidates for T1 and T2)
        "wealth_management": (4.0, "103 104", 0.2, "104 107", 7, 7),
        "insurance": (4.0, "104", 0.2, "101 104", 6, 7),
        "credit_card": (8.5, "101 102", 0.6, "105", 8, 8),
    }
    for category, (t1, t1_set, t2, t2_set, n1, n2) in expected.items():
        row = thresholds.loc[category]
        assert row["t1_count_threshold"] == pytest.approx(t1, abs=1e-12), category
        assert row["t2_share_threshold"] == pytest.approx(t2, abs=1e-12), category
        assert (row["t1_target_set"], row["t2_target_set"]) == (t1_set, t2_set), category
        assert (row["t1_candidates"], row["t2_candidates"]) == (n1, n2), category
        assert (row["t1_fallback"], row["t2_fallback"]) == ("none", "none"), category

    assert _typed(result, "wealth_management", "type_by_count") == {102, 106, 107}
    assert _typed(result, "wealth_management", "type_by_share") == {101, 102, 106, 108}
    assert _typed(result, "wealth_management", "is_type") == {101, 102, 106, 107, 108}
    assert _typed(result, "insurance", "type_by_count") == {103, 105, 106, 107}
    assert _typed(result, "insurance", "type_by_share") == {103, 105, 106, 107, 108}
    assert _typed(result, "insurance", "is_type") == {103, 105, 106, 107, 108}
    assert _typed(result, "credit_card", "type_by_count") == {102, 103, 104, 105, 106, 107}
    assert _typed(result, "credit_card", "type_by_share") == {101, 102, 103, 104, 106}
    assert _typed(result, "credit_card", "is_type") == {101, 102, 103, 104, 105, 106, 107}


def test_a_category_no_rm_reaches_has_no_thresholds_and_types_nobody(worked, caplog):
    mix, thresholds, result = worked
    row = thresholds.loc["mortgage"]
    assert pd.isna(row["t1_count_threshold"]) and pd.isna(row["t2_share_threshold"])
    assert (row["t1_fallback"], row["t2_fallback"]) == ("no_candidates", "no_candidates")
    assert (row["t1_candidates"], row["t2_candidates"]) == (0, 0)
    assert row["t1_target_set"] == "" and row["t2_target_set"] == ""
    mortgage = result[result["category"] == "mortgage"]
    assert len(mortgage) == len(BOOKS) and not mortgage["is_type"].any()
    assert mortgage["count"].eq(0).all()

    with caplog.at_level(logging.WARNING):
        RMTypeClassifier(**SETTINGS).fit(mix)
    assert "T1 (count) of mortgage: no RM is above the floor 2" in caplog.text
    assert "T2 (share) of mortgage: no RM is above the floor 0.1" in caplog.text


def test_an_rm_can_hold_several_types_or_none(worked):
    _, _, result = worked
    types = result[result["is_type"]].groupby("rm_id")["category"].apply(set).to_dict()
    assert types[106] == {"wealth_management", "insurance", "credit_card"}
    assert 108 in types and "credit_card" not in types[108]
    assert 109 not in types


def test_an_empty_target_set_falls_back_to_the_rms_nearest_the_target(caplog):
    """Counts 10, 20, 30, 40 (total 100): cumulative .1 .3 .6 1. A band of 0.02 around .2 holds nobody;
    .1 and .3 are equally near (.1 away), so both are the target set: T = (10+20)/2 = 15."""
    counts = pd.Series([30, 10, 40, 20], index=[3, 1, 4, 2])
    with caplog.at_level(logging.WARNING):
        t1 = cumulative_threshold(counts, floor=0, target=0.2, band=0.02, what="T1 (count) of insurance")
    assert (t1.value, t1.target_set, t1.fallback, t1.n_candidates) == (15.0, (1, 2), "nearest_to_target", 4)
    assert "T1 (count) of insurance: no RM's cumulative percentage is within 0.02 of the target 0.2" in caplog.text
    assert "falling back to the RM(s) nearest the target: [1, 2]" in caplog.text

    one_nearest = cumulative_threshold(pd.Series([10, 20, 30, 40]), floor=0, target=0.25, band=0.02)
    assert (one_nearest.value, one_nearest.target_set) == (20.0, (1,))


def test_band_edges_belong_to_the_target_set():
    """Counts 3, 17 (total 20): cumulative .15 and 1. Target .2 with band .05 reaches .15 exactly,
    although 0.2 - 0.15 is a hair above 0.05 in floating point."""
    threshold = cumulative_threshold(pd.Series([3, 17], index=[7, 8]), floor=0, target=0.2, band=0.05)
    assert (threshold.target_set, threshold.fallback, threshold.value) == ((7,), "none", 3.0)


def test_the_threshold_is_the_mean_over_the_target_set():
    """Counts 1, 1, 4, 14 (total 20): cumulative .05 .10 .30 1. Target .2 with band .16 holds the
    first three: T = (1 + 1 + 4) / 3 = 2 (their median would be 1)."""
    threshold = cumulative_threshold(pd.Series([14, 1, 4, 1], index=[4, 1, 3, 2]), floor=0, target=0.2, band=0.16)
    assert (threshold.value, threshold.target_set) == (2.0, (1, 2, 3))


def test_population_quantile_floors_let_only_the_top_of_the_rms_into_each_ranking():
    """Counts 10, 20, ..., 100 over ten RMs, plus two RMs without clients.

    The 0.8 quantile of the ten counts is 82, so only 90 and 100 enter the ranking;
    their cumulative percentages are 90/190 = 0.47 and 1.0, the nearest to 20% is 0.47,
    and T1 = 90: only the RM with 100 clients in the category is typed by count.
    """
    counts = [10 * k for k in range(1, 11)] + [0, 0]
    n_clients = [200] * 10 + [0, 0]
    mix = pd.DataFrame(
        {
            "rm_id": range(1, 13),
            "category": "mortgage",
            "n_clients": n_clients,
            "count": counts,
            "share": [c / n if n else float("nan") for c, n in zip(counts, n_clients, strict=True)],
        }
    )
    classifier = RMTypeClassifier(
        count_floor_quantile=0.8, share_floor_quantile=0.8, cumulative_target=0.2, cumulative_band=0.05
    ).fit(mix)
    row = classifier.thresholds_.iloc[0]
    assert row["count_floor_t3"] == pytest.approx(82.0) and row["t1_candidates"] == 2
    assert row["t1_count_threshold"] == 90
    assert classifier.predict(mix).loc[lambda t: t["type_by_count"], "rm_id"].tolist() == [10]
    # the RMs without clients are not part of the population: dropping them moves no floor
    without = RMTypeClassifier(
        count_floor_quantile=0.8, share_floor_quantile=0.8, cumulative_target=0.2, cumulative_band=0.05
    ).fit(mix[mix["n_clients"] > 0])
    assert without.thresholds_["count_floor_t3"].iloc[0] == row["count_floor_t3"]
