"""The report's nodes: each section's builder, and the HTML page that puts the sections together."""

from __future__ import annotations

import functools
from typing import Any

import jinja2

from customer_classification.pipelines.reporting.figures import drawn_figures
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.sections import SECTIONS, ReportSection

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("customer_classification.pipelines.reporting", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def section_builder(section: ReportSection):
    """``section.build`` with the section's identity (key, method, title, pipelines) added to its
    content, and its figures as the PNG files of the images its page embeds (drawn once)."""

    @functools.wraps(section.build)
    def build(*args: Any) -> tuple[dict, dict]:
        figures, content = section.build(*args)
        missing = {"intro", "summary", "metrics", "blocks"} - set(content)
        if missing:
            raise ValueError(f"report section {section.key!r} returned content without {sorted(missing)}")
        identity = {
            "key": section.key,
            "method": section.method,
            "title": section.title,
            "pipelines": list(section.pipelines),
        }
        return drawn_figures(figures, content["blocks"]), {**identity, **content}

    return build


def build_report(params: ReportingParams, *sections: dict) -> tuple[str, dict]:
    """The self-contained HTML report and its key figures.

    Args:
        params: the report's settings.
        *sections: the content of every section, in :data:`SECTIONS` order.

    Returns:
        ``(html, summary)``: one HTML page (figures embedded, inline CSS, nothing
        fetched from elsewhere), and per section its metrics, for ``report_summary.json``.
    """
    unknown = {s["key"] for s in sections} - {s.key for s in SECTIONS}
    if unknown:
        raise ValueError(f"report sections {sorted(unknown)} are not listed in reporting.sections.SECTIONS")
    html = _TEMPLATES.get_template("report.html.j2").render(
        title=params.title, currency=params.currency, sections=sections
    )
    summary = {
        "title": params.title,
        "sections": {s["key"]: {"method": s["method"], "title": s["title"], **s["metrics"]} for s in sections},
    }
    return html, summary
