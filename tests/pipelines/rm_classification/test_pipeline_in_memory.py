"""``rm_classification`` and its demo check run in memory on the tiny bank's ten RMs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from customer_classification.pipelines import rm_classification, rm_classification_demo_check
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections.rm_types import rm_types_section
from tests.pipelines.in_memory import raw_parameters, run_in_memory


@pytest.fixture(scope="module")
def classified(tiny_engineered, tiny_recommended) -> dict:
    inputs = {
        name: tiny_engineered[name] for name in ("int_customers", "customer_features", "int_relationship_managers")
    }
    inputs["product_recommendations"] = tiny_recommended["product_recommendations"]
    return run_in_memory(
        rm_classification.create_pipeline(), inputs, {"rm_classification": raw_parameters("rm_classification")}
    )


def test_every_rm_gets_one_row_per_category(classified, tiny_bank):
    classification, thresholds = classified["rm_classification"], classified["rm_thresholds"]
    assert len(classification) == len(tiny_bank["relationship_managers"]) * len(thresholds) == 10 * 6
    assert not classification.duplicated(["rm_id", "category"]).any()


def test_an_rm_is_a_type_when_its_count_or_share_is_above_the_category_threshold(classified):
    classification = classified["rm_classification"].merge(classified["rm_thresholds"], on="category")
    assert (classification["type_by_count"] == (classification["count"] > classification["t1_count_threshold"])).all()
    assert (classification["type_by_share"] == (classification["share"] > classification["t2_share_threshold"])).all()
    assert (classification["is_type"] == (classification["type_by_count"] | classification["type_by_share"])).all()
    with_clients = classification[classification["n_clients"] > 0]
    assert with_clients["share"].tolist() == pytest.approx((with_clients["count"] / with_clients["n_clients"]).tolist())


def test_the_demo_check_scores_every_rm_against_the_planted_specialisms(classified, tiny_bank):
    outputs = run_in_memory(
        rm_classification_demo_check.create_pipeline(),
        {"rm_classification": classified["rm_classification"], "demo_rm_truth": tiny_bank["demo_rm_truth"]},
    )
    evaluation = outputs["rm_demo_evaluation"]
    assert evaluation["rms_classified"] == 10
    assert evaluation["rms_in_truth_not_classified"] == 0
    overall = evaluation["is_type"]["overall"]
    assert overall["typed"] == int(classified["rm_classification"]["is_type"].sum())
    assert 0 <= overall["typed_and_planted"] <= min(overall["typed"], overall["planted"])


def test_the_report_shows_the_default_and_the_alternative_side_by_side(classified, tiny_bank):
    evaluation = run_in_memory(
        rm_classification_demo_check.create_pipeline(),
        {"rm_classification": classified["rm_classification"], "demo_rm_truth": tiny_bank["demo_rm_truth"]},
    )["rm_demo_evaluation"]
    params = ReportingParams(**raw_parameters("reporting"))
    _, content = rm_types_section(
        params,
        classified["rm_classification"],
        classified["rm_thresholds"],
        classified["rm_classification_summary"],
        evaluation,
    )
    plt.close("all")
    table = next(b for b in content["blocks"] if b.get("title", "").endswith("side by side"))
    assert table["columns"][2] == "RMs typed (top_15_percent)"
    overall = table["rows"][-1]
    assert overall[:3] == [
        "All",
        str(evaluation["is_type"]["overall"]["typed"]),
        str(evaluation["is_type_alternative"]["overall"]["typed"]),
    ]
    assert "target 20.0%" in table["note"] and "target 85.0%" in table["note"]
