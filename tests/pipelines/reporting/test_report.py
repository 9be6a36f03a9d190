"""The report of a tiny demo bank: self-contained, summary first, every section and group, reproducible."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest
from kedro.io import DatasetError
from kedro_datasets.matplotlib import MatplotlibDataset
from PIL import Image

from customer_classification.configuration import configured_groups
from customer_classification.pipelines.reporting import figures as report_figures
from customer_classification.pipelines.reporting import nodes
from customer_classification.pipelines.reporting import pipeline as reporting_pipeline
from customer_classification.pipelines.reporting.params import ReportingParams
from customer_classification.pipelines.reporting.pipeline import create_pipeline
from customer_classification.pipelines.reporting.sections import SECTIONS
from customer_classification.pipelines.reporting.sections.loan_demand import threshold_curve
from customer_classification.pipelines.reporting.sections.rm_types import _matrix_figure
from customer_classification.pipelines.reporting.wording import feature_title
from tests.conftest import run
from tests.pipelines.reporting.conftest import REPORTING

GROUPS = ("basic", "financial", "non_financial", "lifestyle")


class _Page(HTMLParser):
    """The parts of the page the tests look at: headings in order, image sources, links, scripts."""

    def __init__(self):
        super().__init__()
        self.headings, self.images, self.links, self.scripts, self._heading = [], [], [], 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h2", "h3"):
            self._heading = [tag, ""]
        elif tag == "img":
            self.images.append(attrs)
        elif tag in ("a", "link"):
            self.links.append(attrs.get("href", ""))
        elif tag == "script":
            self.scripts += 1

    def handle_data(self, data):
        if self._heading:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if self._heading and tag == self._heading[0]:
            self.headings.append(self._heading[1].strip())
            self._heading = None


def _page(root) -> tuple[str, _Page]:
    html = (root / REPORTING / "report.html").read_text(encoding="utf-8")
    parser = _Page()
    parser.feed(html)
    return html, parser


def test_the_report_is_one_self_contained_page(reported_project):
    html, page = _page(reported_project)
    assert page.scripts == 0
    assert page.images and all(img["src"].startswith("data:image/png;base64,") for img in page.images)
    assert all(link.startswith("#") for link in page.links), "every link is an anchor within the page"
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "@import" not in html and "url(" not in html, "no stylesheet or font is fetched"
    # every figure the run saved is in the page once and nothing else is: the files are the page's
    # images byte for byte (each figure is drawn once, for both)
    figures = sorted((reported_project / REPORTING / "figures").rglob("*.png"))
    on_disk = sorted(path.read_bytes() for path in figures)
    embedded = sorted(base64.b64decode(img["src"].split(",", 1)[1]) for img in page.images)
    assert len(embedded) == len(on_disk) and embedded == on_disk
    assert all(Image.open(io.BytesIO(png)).format == "PNG" for png in on_disk)
    # a section's figures in its own folder; each segment group has its k selection and profile figures
    assert {path.parent.name for path in figures} >= {"potential", "loan_demand", "segments"}
    segments = [path.name for path in figures if path.parent.name == "segments"]
    assert sorted(segments) == sorted(
        f"{kind}_{group}.png" for group in configured_groups() for kind in ("k_selection", "segment_profiles")
    )
    assert all(img["alt"] for img in page.images)


def test_the_summary_comes_first_with_tiers_potential_loan_customers_and_metrics(reported_project):
    html, page = _page(reported_project)
    assert page.headings[:2] == ["Summary", "Contents"]
    summary = html[html.index('id="summary"') : html.index("<nav>")]
    assert "400 at the scoring snapshot 2026-11-01" in summary
    assert "Data quality" in summary and "rows dropped" in summary
    for group_title in ("Who the customers are", "What the customers hold and borrow", "Life stage and lifestyle"):
        assert group_title in summary
    assert "relationship managers have at least one product type" in summary
    scores = pd.read_parquet(reported_project / "data/07_model_output/potential_scores.parquet")
    counts = scores["tier"].astype(str).value_counts()
    assert f"{len(scores)} long-tail customers in tiers at 2026-11-01; test AUC" in summary
    for tier in ("A", "B", "C", "D"):
        assert f"Tier {tier}: {counts.get(tier, 0)} customers" in summary
    loans = pd.read_parquet(reported_project / "data/07_model_output/loan_demand_scores.parquet")
    flagged = int(loans["is_potential_loan_customer"].sum())
    assert (
        f"{flagged} of 400 customers" in summary
        and "draw more than 150% of their credit limit over the window" in summary
    )
    built = [h for h in page.headings if h not in ("Summary", "Contents")]
    assert [h for h in built if not h.startswith(("Who", "What", "How", "Life"))] == [
        "The data and its quality",
        "M1Customer potential value",
        "M2Potential loan customers",
        "M3Customer tags",
        "M3Customer segments",
        "M4Product recommendations",
        "M4Group-portrait credit push",
        "M5Relationship-manager types",
        "Monthly retrain: champions and drift",
    ]
    assert "Product recommendations" in summary and "popularity baseline" in summary


def test_the_model_sections_agree_with_the_model_pipelines(reported_project):
    summary = json.loads((reported_project / REPORTING / "report_summary.json").read_text())
    metrics = json.loads((reported_project / REPORTING / "potential_model_metrics.json").read_text())
    assert summary["sections"]["potential"]["auc"] == metrics["test"]["auc"]
    tiers = summary["sections"]["potential"]["tiers"]
    assert sum(tiers.values()) == summary["sections"]["potential"]["customers"]
    predictions = pd.read_parquet(reported_project / "data/07_model_output/loan_demand_test_predictions.parquet")
    loan = json.loads((reported_project / REPORTING / "loan_demand_metrics.json").read_text())
    at = loan["potential_threshold"]
    curve = threshold_curve(predictions, at["threshold"]).set_index("cutoff").loc[at["threshold"]]
    assert curve["precision"] == pytest.approx(at["precision"], nan_ok=True)
    assert curve["recall"] == pytest.approx(at["recall"], nan_ok=True)
    assert len(predictions) == loan["test"]["n"]
    m1 = pd.read_parquet(reported_project / "data/07_model_output/potential_model_test_predictions.parquet")
    assert len(m1) == metrics["test"]["n"] and m1["actual"].mean() == pytest.approx(metrics["test"]["positive_rate"])
    for figure in ("roc", "ks", "gain", "calibration", "feature_importance", "tiers"):
        assert (reported_project / REPORTING / "figures" / "potential" / f"{figure}.png").exists()
    for figure in ("predicted_vs_actual", "threshold_curve", "feature_importance"):
        assert (reported_project / REPORTING / "figures" / "loan_demand" / f"{figure}.png").exists()


def test_every_segment_group_and_segment_is_in_the_report(reported_project):
    html, page = _page(reported_project)
    summary = json.loads((reported_project / REPORTING / "report_summary.json").read_text())
    assert set(summary["sections"]["segments"]) - {"method", "title"} == set(GROUPS)
    for group in GROUPS:
        metrics = summary["sections"]["segments"][group]
        assert any(h.endswith(f"({group} group): {metrics['k']} segments") for h in page.headings)
        for segment in metrics["segments"].values():
            assert segment["name"] in html
        assert (reported_project / REPORTING / "figures" / "segments" / f"segment_profiles_{group}.png").exists()
    assert list(summary["sections"]) == [s.key for s in SECTIONS]


# the base parameters' figure settings
FIGURE_PARAMS = ReportingParams(
    title="t",
    currency="CNY",
    figure_width_in=10,
    figure_dpi=100,
    features_per_heatmap=10,
    tags_per_distribution_chart=14,
)


def test_figures_have_the_configured_size_and_no_software_stamp(reported_project):
    for path in (reported_project / REPORTING / "figures").rglob("*.png"):
        with Image.open(path) as image:
            assert image.width == FIGURE_PARAMS.figure_width_in * FIGURE_PARAMS.figure_dpi, path.name
            assert "Software" not in image.info, path.name


def test_no_bare_feature_name_is_shown_without_its_title(reported_project):
    html, _ = _page(reported_project)
    text = re.sub(r'src="[^"]*"', "", html)
    assert "channel_share_" not in text and "merchant_share_" not in text and "aum_latest" not in text
    assert feature_title("channel_share_atm_12m") == "Share of transactions through ATM, last 12 months"
    assert feature_title("balance_time_deposit_mean_6m") == "Time deposit balance, average of the last 6 months"


def _digests(root):
    paths = [root / REPORTING / "report.html", root / REPORTING / "report_summary.json"]
    paths += sorted((root / REPORTING / "figures").rglob("*.png"))
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_reporting_alone_is_byte_identical_and_runs_without_demo_truth(reported_project):
    before = _digests(reported_project)
    assert _page(reported_project)[0].count("Demo check (the demo bank only)") == 3  # M1, M2, M5
    run(reported_project, pipeline="reporting")
    assert _digests(reported_project) == before

    evaluations = [
        reported_project / REPORTING / f"{name}.json" for name in ("rm_demo_evaluation", "model_demo_evaluation")
    ]
    for evaluation in evaluations:
        shutil.move(evaluation, evaluation.with_suffix(".saved"))
    try:
        run(reported_project, pipeline="reporting")
        html, _ = _page(reported_project)
        assert "Demo check" not in html
        assert "Relationship-manager types" in html and "Potential loan customers" in html
    finally:
        for evaluation in evaluations:  # the report stays valid without the demo checks for later tests
            shutil.move(evaluation.with_suffix(".saved"), evaluation)


def test_a_custom_clustering_group_gets_report_inputs(reported_project):
    local = reported_project / "conf" / "local" / "parameters_clustering.yml"
    local.write_text(
        "clustering:\n  groups:\n    savers:\n      title: Savers\n      target_tags: [aum_level]\n"
        "      tag_groups: [financial]\n      k: 3\n"
    )
    try:
        inputs = create_pipeline().inputs()
    finally:
        local.unlink()
    assert {"savers.k_selection", "savers.cluster_profiles", "savers.segment_payload"} <= inputs
    assert "basic.k_selection" in inputs  # conf/local's groups merge over base's


def test_every_section_is_listed_once_and_has_its_node():
    keys = [s.key for s in SECTIONS]
    assert len(keys) == len(set(keys))
    section_nodes = {n.name for n in reporting_pipeline.create_pipeline().nodes} - {"reporting.build_report"}
    assert section_nodes == {f"reporting.report_{key}_section" for key in keys}


def test_a_section_unknown_to_the_registry_is_refused():
    params = ReportingParams(
        title="t",
        currency="CNY",
        figure_width_in=4,
        figure_dpi=50,
        features_per_heatmap=3,
        tags_per_distribution_chart=3,
    )
    stray = {
        "key": "churn",
        "method": "M9",
        "title": "Churn",
        "pipelines": ["churn"],
        "intro": "",
        "summary": [],
        "metrics": {},
        "blocks": [],
    }
    with pytest.raises(ValueError, match=r"report sections \['churn'\] are not listed"):
        nodes.build_report(params, stray)


def test_an_optional_dataset_loads_none_until_it_is_written(tmp_path):
    from customer_classification.datasets import OptionalDataset  # noqa: PLC0415

    path = tmp_path / "evaluation.json"
    dataset = OptionalDataset(dataset={"type": "json.JSONDataset", "filepath": str(path)})
    assert dataset.load() is None and not dataset.exists()
    dataset.save({"precision": 0.7})
    assert dataset.load() == {"precision": 0.7} and path.exists()


@pytest.mark.parametrize(("rms", "labelled"), [(40, 40), (3000, 0)])
def test_the_rm_type_matrix_names_each_manager_while_the_names_can_be_read(rms, labelled):
    """A bank's thousands of managers: one row each still, but no labels that would overlap."""
    categories = ["deposit", "loan"]
    classification = pd.DataFrame(
        {
            "rm_id": [rm for rm in range(rms) for _ in categories],
            "category": categories * rms,
            "type_by_count": [True, False] * rms,
            "type_by_share": [False, True] * rms,
        }
    )
    figure = _matrix_figure(classification, categories, FIGURE_PARAMS)
    axes = figure.axes[0]
    assert axes.get_images()[0].get_array().shape == (rms, 2)
    assert len(axes.get_yticklabels()) == labelled


def test_a_figure_file_is_the_pages_image_and_other_save_arguments_are_refused(tmp_path):
    figure, axes = report_figures.new_figure(2, 1, 50)
    axes.plot([0, 1], [0, 1])
    blocks = [report_figures.figure_block("line.png", figure, "A line", "")]
    drawn = report_figures.drawn_figures({"line.png": figure}, blocks)
    folder = {"filepath": str(tmp_path / "figures"), "overwrite": True}
    MatplotlibDataset(**folder, save_args={"format": "png", "metadata": {"Software": None}}).save(drawn)
    assert (tmp_path / "figures" / "line.png").read_bytes() == base64.b64decode(blocks[0]["src"].split(",", 1)[1])
    with pytest.raises(DatasetError, match=r"drawn with save_args .* the catalog asks for .*'dpi': 300"):
        MatplotlibDataset(**folder, save_args={"format": "png", "dpi": 300}).save(drawn)
