"""``kedro run --pipelines clustering`` on a tiny demo bank: every group segmented,
a custom group from configuration only, publishing to a front end over HTTP."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pandas as pd
import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io.core import DatasetError

from customer_classification.pipeline_registry import register_pipelines
from tests.conftest import TINY, copy_run, run

GROUPS = ("basic", "financial", "non_financial", "lifestyle")
SEGMENTS = "data/08_reporting/segments"


@pytest.fixture(scope="module")
def project(tmp_path_factory, engineered_project):
    """A tiny demo bank with features (the session's, copied) and tags, segmented once for the module."""
    root = copy_run(engineered_project, tmp_path_factory.mktemp("clustering_project"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        bootstrap_project(root)
        for pipeline in ("tag_system", "clustering"):
            run(root, pipeline=pipeline)
        yield root


def _run_group(root, group: str, extra_params: dict | None = None):
    bootstrap_project(root)  # the registry reads the group list anew
    with KedroSession.create(project_path=root, runtime_params={**TINY, **(extra_params or {})}) as session:
        return session.run(pipeline_names=["clustering"], namespaces=[f"clustering.{group}"])


def _catalog(root):
    """The project's catalog as a run there sees it (one session: each costs about a second)."""
    with KedroSession.create(project_path=root, runtime_params=TINY) as session:
        return session.load_context().catalog


def test_every_group_is_its_own_namespaced_block_in_the_registry(project):
    pipeline = register_pipelines()["clustering"]
    assert {node.namespace for node in pipeline.nodes} == {f"clustering.{g}" for g in GROUPS}
    assert {f"{g}.cluster_assignments" for g in GROUPS} <= pipeline.all_outputs()


def test_every_customer_of_every_snapshot_is_assigned_and_profiled(project):
    catalog = _catalog(project)
    features = catalog.load("customer_features").collect().to_pandas()
    for group in GROUPS:
        assigned = catalog.load(f"{group}.cluster_assignments")
        assert len(assigned) == len(features)
        assert assigned.set_index(["customer_id", "snapshot_date"]).index.equals(
            features.set_index(["customer_id", "snapshot_date"]).index.sort_values()
        )
        k_selection = catalog.load(f"{group}.k_selection")
        k = int(k_selection.loc[k_selection["chosen"], "k"].item())
        assert sorted(assigned["cluster"].unique()) == list(range(k))
        profiles = catalog.load(f"{group}.cluster_profiles")
        sizes = profiles.drop_duplicates("cluster")
        scoring = features["snapshot_date"].max()
        assert sizes["customers"].sum() == (features["snapshot_date"] == scoring).sum()
        assert sizes["share"].sum() == pytest.approx(1.0)
        assert sizes["cluster_name"].is_unique


def test_the_payload_holds_aggregates_and_no_customer_identifier(project):
    catalog = _catalog(project)
    customer_ids = {str(c) for c in catalog.load("customer_features").collect()["customer_id"].unique().to_list()}
    for group in GROUPS:
        payload = json.loads((project / SEGMENTS / group / "segment_payload.json").read_text())
        assert payload["group"] == group
        profiles = catalog.load(f"{group}.cluster_profiles").drop_duplicates("cluster")
        assert [c["customers"] for c in payload["clusters"]] == profiles["customers"].tolist()
        assert [c["name"] for c in payload["clusters"]] == profiles["cluster_name"].tolist()
        text = json.dumps(payload)
        assert "customer_id" not in text
        assert not [c for c in customer_ids if c in text]


def test_a_custom_group_needs_only_configuration(project):
    local = project / "conf" / "local" / "parameters_clustering.yml"
    settings = yaml.safe_load((project / "conf" / "base" / "parameters_clustering.yml").read_text())
    settings["clustering"]["groups"]["savers"] = {
        "title": "Savers",
        "target_tags": ["aum_level"],  # one tag: the group clusters aum_latest alone
        "tag_groups": ["financial"],
        "k": 3,
    }
    local.write_text(yaml.safe_dump(settings))
    try:
        _run_group(project, "savers")
        catalog = _catalog(project)
        assigned = catalog.load("savers.cluster_assignments")
        assert sorted(assigned["cluster"].unique()) == [0, 1, 2]
        chosen = catalog.load("savers.k_selection").query("chosen")
        assert chosen["reason"].item() == "preset in parameters (k: 3)"
        model = catalog.load("savers.segment_model")
        assert model.preprocessor.numeric == ["aum_latest"] and model.preprocessor.categorical == []
    finally:
        local.unlink()
        bootstrap_project(project)


def test_an_unknown_target_tag_stops_the_group_with_its_name(project):
    target = {"target_tag_group": None, "target_tags": ["age_band", "gender"], "tag_groups": ["basic"]}
    broken = {"clustering": {"groups": {"basic": target}}}
    with pytest.raises(ValueError, match=r"Segment group 'basic': target_tags \['age_band'\] are not tags"):
        _run_group(project, "basic", broken)


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((self.path, json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


def _publish_to(project, url: str):
    local = project / "conf" / "local" / "catalog.yml"
    local.write_text(
        yaml.safe_dump({"basic.segment_payload": {"type": "api.APIDataset", "url": url, "method": "POST"}})
    )
    return local


def test_publishing_posts_the_payload_to_the_configured_endpoint(project):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = _publish_to(project, f"http://127.0.0.1:{server.server_port}/segments/basic")
    try:
        _run_group(project, "basic")
    finally:
        server.shutdown()
        local.unlink()
    path, payload = _Receiver.received[-1]
    assert path == "/segments/basic"
    assert payload == json.loads((project / SEGMENTS / "basic" / "segment_payload.json").read_text())


def test_an_unreachable_endpoint_fails_clearly_and_keeps_what_was_computed(project):
    profiles = project / SEGMENTS / "basic" / "cluster_profiles.csv"
    before = profiles.stat().st_mtime_ns
    local = _publish_to(project, "http://127.0.0.1:9/segments/basic")  # the discard port: nothing listens
    try:
        with pytest.raises(DatasetError, match=r"(?s)basic\.segment_payload.*Failed to connect to the remote server"):
            _run_group(project, "basic")
    finally:
        local.unlink()
    assert profiles.stat().st_mtime_ns > before  # profiles and matches of this run were written first
    assert not pd.read_csv(profiles).empty
    assert (project / SEGMENTS / "basic" / "product_matches.csv").exists()
