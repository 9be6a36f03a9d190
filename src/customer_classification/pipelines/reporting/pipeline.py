"""``reporting``: one node per report section, then the self-contained HTML report.

Each section's node reads its pipeline's outputs and writes its figures
(``report_figures_<key>``, PNG files through ``matplotlib.MatplotlibDataset``);
``build_report`` puts every section's content into ``report`` (one HTML file)
and ``report_summary`` (the key figures as JSON). The sections and their order
are in :mod:`.sections`.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from customer_classification.configuration import configured_groups
from customer_classification.pipelines.reporting import nodes
from customer_classification.pipelines.reporting.sections import SECTIONS, ReportSection

PARAMS = "params:reporting"


def section_node(section: ReportSection, groups: list[str]) -> Node:
    """The node drawing one section: its pipeline's outputs in, its figures and content out."""
    return Node(
        nodes.section_builder(section),
        inputs=[PARAMS, *section.inputs(groups)],
        outputs=[f"report_figures_{section.key}", f"report_section_{section.key}"],
        name=f"report_{section.key}_section",
    )


def create_pipeline(**kwargs) -> Pipeline:
    groups = configured_groups()
    return Pipeline(
        [
            *(section_node(section, groups) for section in SECTIONS),
            Node(
                nodes.build_report,
                inputs=[PARAMS, *(f"report_section_{s.key}" for s in SECTIONS)],
                outputs=["report", "report_summary"],
                name="build_report",
            ),
        ],
        tags="reporting",
        namespace="reporting",
        prefix_datasets_with_namespace=False,
    )
