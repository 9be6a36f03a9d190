"""The report's sections, in the order the report shows them: the one place to add a section.

A section is one method's (or the data's) part of the report. It is built by one
function ``build(params, *inputs) -> ({file name: Figure}, content)`` reading that
pipeline's catalog outputs (``inputs``); the pipeline wires one node per section,
whose figures go to ``data/08_reporting/figures/<key>/`` and whose content (see
:mod:`.content`) goes into ``report.html``.

To add the section of a new pipeline: write ``sections/<key>.py`` with its build
function, and add its entry below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from customer_classification.pipelines.reporting.sections.data_quality import data_section
from customer_classification.pipelines.reporting.sections.loan_demand import loan_demand_section
from customer_classification.pipelines.reporting.sections.operations import operations_section
from customer_classification.pipelines.reporting.sections.portrait_push import portrait_push_section
from customer_classification.pipelines.reporting.sections.potential import potential_section
from customer_classification.pipelines.reporting.sections.recommendations import recommendations_section
from customer_classification.pipelines.reporting.sections.rm_types import rm_types_section
from customer_classification.pipelines.reporting.sections.segments import segment_inputs, segments_section
from customer_classification.pipelines.reporting.sections.tags import tags_section


def _fixed(*names: str) -> Callable[[list[str]], list[str]]:
    return lambda groups: list(names)


@dataclass(frozen=True)
class ReportSection:
    """One part of the report.

    Attributes:
        key: short name; the figures' folder, the HTML anchor and the node's name.
        method: the method it reports, or "" for the data and the monthly retrain: "M1" customer
            potential value (which long-tail customers reach the high-value line), "M2" potential
            loan customers (predicted credit-line utilization), "M3" tags and segments, "M4" product
            recommendations, "M5" relationship-manager types.
        title: the section's title in words.
        pipelines: the pipelines whose outputs it reads.
        build: the function drawing its figures and content.
        inputs: given the clustering groups, the catalog names ``build`` reads after ``params:reporting``.
    """

    key: str
    method: str
    title: str
    pipelines: tuple[str, ...]
    build: Callable[..., tuple[dict, dict]]
    inputs: Callable[[list[str]], list[str]]


SECTIONS: tuple[ReportSection, ...] = (
    ReportSection(
        "data",
        "",
        "The data and its quality",
        ("data_engineering",),
        data_section,
        _fixed("data_quality_report", "model_label_summary"),
    ),
    ReportSection(
        "potential",
        "M1",
        "Customer potential value",
        ("potential_model",),
        potential_section,
        _fixed(
            "potential_model_metrics",
            "potential_model_comparison",
            "potential_model_tiers",
            "potential_model_test_predictions",
            "potential_scores",
            "model_demo_evaluation",
        ),
    ),
    ReportSection(
        "loan_demand",
        "M2",
        "Potential loan customers",
        ("loan_demand",),
        loan_demand_section,
        _fixed(
            "loan_demand_metrics",
            "loan_demand_comparison",
            "loan_demand_test_predictions",
            "loan_demand_scores",
            "model_demo_evaluation",
        ),
    ),
    ReportSection(
        "tags", "M3", "Customer tags", ("tag_system",), tags_section, _fixed("tag_dictionary", "tag_weights")
    ),
    ReportSection("segments", "M3", "Customer segments", ("clustering",), segments_section, segment_inputs),
    ReportSection(
        "recommendations",
        "M4",
        "Product recommendations",
        ("product_recommendation",),
        recommendations_section,
        _fixed("recommendation_evaluation", "product_recommendations"),
    ),
    ReportSection(
        "portrait_push",
        "M4",
        "Group-portrait credit push",
        ("portrait_push",),
        portrait_push_section,
        _fixed("portrait_push_summary", "portrait_push_evaluation", "platform_matching", "credit_push"),
    ),
    ReportSection(
        "rm_types",
        "M5",
        "Relationship-manager types",
        ("rm_classification",),
        rm_types_section,
        _fixed("rm_classification", "rm_thresholds", "rm_classification_summary", "rm_demo_evaluation"),
    ),
    ReportSection(
        "operations",
        "",
        "Monthly retrain: champions and drift",
        ("model_registry", "drift_monitoring"),
        operations_section,
        _fixed("champion_decisions", "drift_monitoring"),
    ),
)
