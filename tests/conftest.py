"""Shared fixtures: one small demo bank per test session."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from customer_classification.demo_bank import bank
from customer_classification.demo_bank.params import DemoBankParams
from customer_classification.warning_filters import UNACTIONABLE


def pytest_configure(config):
    # the warnings no user can act on, silenced for the reasons warning_filters.py gives
    for entry in UNACTIONABLE:
        config.addinivalue_line("filterwarnings", entry.pytest_filter)
    # pytest-xdist's marker, known also when the plugin is off (-p no:xdist)
    config.addinivalue_line("markers", "xdist_group(name): run the tests of one group on one xdist worker")


os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
# as the project's settings do for a kedro run: LightGBM's idle OpenMP threads yield the cores
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def pytest_addoption(parser):
    parser.addoption(
        "--reverse", action="store_true", help="run the collected tests in reverse order, to show they need no order"
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    # pytest-xdist (--dist loadgroup) sends each group to one worker: the monthly cycle's steps go
    # together (each starts from the step before), the others by module, so a module's fixtures are
    # made once. The default run they start from is made once for all workers (default_run_project).
    for item in items:
        in_the_cycle = "month_project" in item.fixturenames
        item.add_marker(pytest.mark.xdist_group("monthly_cycle" if in_the_cycle else item.nodeid.split("::")[0]))
    if config.getoption("--reverse"):
        items.reverse()
    else:
        items.sort(key=_handed_out_first)


# The workers take groups in the order of their first test (pyproject: --no-loadscope-reorder):
# the longest first, so that none starts last and runs alone. The monthly cycle's worker makes the
# default run (the group: about five minutes with it); the Spark parity test and the feedback loop
# need none, so the other workers are busy meanwhile (the tests that read it wait on its lock).
LONGEST_FIRST = (
    "monthly_cycle",
    "tests/test_spark_parity.py",
    "tests/pipelines/product_recommendation/test_feedback_loop.py",
    "tests/test_spark_score.py",
)


def _handed_out_first(item) -> int:
    group = item.get_closest_marker("xdist_group").args[0]
    return LONGEST_FIRST.index(group) if group in LONGEST_FIRST else len(LONGEST_FIRST)


def build_bank(params: DemoBankParams) -> dict[str, pd.DataFrame]:
    """Every raw table and the truth of a generated bank, concatenated over chunks."""
    rms, rm_truth = bank.make_relationship_managers(params)
    chunks = list(bank.iter_chunks(params, rm_truth))
    tables = {name: pd.concat([c[name] for c in chunks], ignore_index=True) for name in bank.CHUNKED_TABLES}
    tables["relationship_managers"] = rms
    tables["demo_rm_truth"] = rm_truth
    tables["products"] = bank.make_products()
    return tables


@pytest.fixture(scope="session")
def small_params() -> DemoBankParams:
    # one chunk of 3,000: enough rows that every dirty-record rule spoils at least one
    return DemoBankParams(n_customers=3000, chunk_size=3000, customers_per_rm=100)


@pytest.fixture(scope="session")
def small_bank(small_params) -> dict[str, pd.DataFrame]:
    return build_bank(small_params)


PROJECT = Path(__file__).resolve().parents[1]
# a tiny bank, and studies of one trial per family beyond the defaults: the tests check what the
# pipelines do with a study's result, and the study itself is tested in tests/modelling
TINY = {
    "demo_bank": {"n_customers": 400, "chunk_size": 150, "customers_per_rm": 40},
    # the runs take the validation-split study, as the 20,000-customer demo and a bank do (a table
    # this small would be cross-validated; tests/modelling covers that path)
    "potential_model": {"study": {"n_trials": 4, "cross_validate_below_rows": None}},
    "loan_demand": {"study": {"n_trials": 4, "cross_validate_below_rows": None}},
}


def copy_project(root: Path) -> Path:
    """The project's conf/ (credentials left out, an empty conf/local), pyproject.toml and src/
    copied into ``root``, so a Kedro run there writes its data there."""
    shutil.copytree(PROJECT / "conf", root / "conf", ignore=shutil.ignore_patterns("credentials*"))
    (root / "conf" / "local").mkdir(exist_ok=True)
    shutil.copy(PROJECT / "pyproject.toml", root)
    shutil.copytree(PROJECT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _working_directory(root: Path, monkeypatch) -> Path:
    """``root`` as the test's working directory and bootstrapped Kedro project."""
    monkeypatch.chdir(root)
    bootstrap_project(root)
    return root


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A copy of the project's settings in an empty folder, so the run writes its data there."""
    return _working_directory(copy_project(tmp_path), monkeypatch)


def run(workdir: Path, env: str | None = None, pipeline: str | None = None, extra_params: dict | None = None):
    params = {**TINY, **(extra_params or {})}
    with KedroSession.create(project_path=workdir, env=env, runtime_params=params) as session:
        return session.run(pipeline_names=[pipeline] if pipeline else None)


# A run through Kedro costs seconds to half a minute, so the runs that many tests start from are
# made once per session. Both projects below are read-only: a test that writes takes a copy
# (``copy_run``, a few MB) or reads them by absolute path without changing the working directory.


@contextlib.contextmanager
def inside(root: Path):
    """``root`` as the working directory and bootstrapped project until the block ends (the
    catalog's folder datasets resolve against the cwd); yields the ``MonkeyPatch`` that set it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        bootstrap_project(root)
        yield patch


def _project_after(root: Path, pipelines: tuple[str | None, ...]) -> Path:
    copy_project(root)
    with inside(root):
        for pipeline in pipelines:
            run(root, pipeline=pipeline)
    return root


@pytest.fixture(scope="session")
def default_run_project(tmp_path_factory) -> Path:
    """The project after ``kedro run`` (every pipeline) at TINY, as a user first runs it. Read-only.

    Made once for all pytest-xdist workers, in the folder they share: the first worker to ask
    makes it under a file lock, the others wait for it and read it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:  # one process (-n 0 or -p no:xdist)
        return _project_after(tmp_path_factory.mktemp("default_run"), (None,))
    root = tmp_path_factory.getbasetemp().parent / "default_run"
    with FileLock(f"{root}.lock"):
        if not (root / ".made").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            _project_after(root, (None,))
            (root / ".made").touch()
    return root


@pytest.fixture(scope="session")
def engineered_project(tmp_path_factory) -> Path:
    """The project after ``kedro run --pipelines demo_data`` then ``data_engineering`` at TINY. Read-only."""
    return _project_after(tmp_path_factory.mktemp("engineered"), ("demo_data", "data_engineering"))


def copy_run(source: Path, root: Path, only: tuple[str, ...] | None = None) -> Path:
    """The project ``source`` with its data copied into ``root``, so runs there do not touch it;
    ``only`` copies these folders of data/ (e.g. ``("01_raw",)``: the demo bank alone)."""
    if only is None:
        shutil.copytree(source, root, dirs_exist_ok=True)
        return root
    copy_project(root)
    for folder in only:
        shutil.copytree(source / "data" / folder, root / "data" / folder)
    return root


@pytest.fixture
def finished_workdir(default_run_project, tmp_path, monkeypatch) -> Path:
    """A writable copy of ``default_run_project``, the working directory for the test."""
    return _working_directory(copy_run(default_run_project, tmp_path), monkeypatch)


@pytest.fixture
def engineered_workdir(engineered_project, tmp_path, monkeypatch) -> Path:
    """A writable copy of ``engineered_project``, the working directory for the test."""
    return _working_directory(copy_run(engineered_project, tmp_path), monkeypatch)


@pytest.fixture
def demo_bank_workdir(engineered_project, tmp_path, monkeypatch) -> Path:
    """``workdir`` after ``kedro run --pipelines demo_data`` (its data/01_raw copied from the session's run)."""
    return _working_directory(copy_run(engineered_project, tmp_path, only=("01_raw",)), monkeypatch)


# The monthly cycle of docs/operations.md on one copy of the default run, whose retrain is the
# first month's (version 2026-10): ``first_month`` records it, ``month_rerun`` runs the month again.
# The later months (tests/pipelines/model_registry) go on in the same copy, so each step records
# what its tests read when it runs, and the tests pass in any order.

REGISTRY = Path("data/06_models/registry")
# what a run of the month writes, compared byte for byte between a run and its rerun
MONTH_OUTPUTS = (
    REGISTRY / "model_registry.json",
    Path("data/08_reporting/champion_decisions.json"),
    Path("data/08_reporting/drift_monitoring.csv"),
    Path("data/07_model_output/potential_scores.parquet"),
    Path("data/07_model_output/loan_demand_scores.parquet"),
    Path("data/07_model_output/product_recommendations.parquet"),
    Path("data/07_model_output/rm_classification.csv"),
)
# what a rerun with the same seed must give again, frame for frame: the demo bank, features and labels
SEEDED_TABLES = ("01_raw/demo_bank/holdings", "04_feature/customer_features", "05_model_input/model_labels")


def fingerprints(root: Path, paths=MONTH_OUTPUTS) -> dict[str, str]:
    return {str(p): hashlib.sha256((root / p).read_bytes()).hexdigest() for p in paths}


def registry_files(root: Path) -> dict[str, str]:
    folder = root / REGISTRY
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def seeded_tables(root: Path) -> list[pd.DataFrame]:
    return [pd.read_parquet(root / "data" / table) for table in SEEDED_TABLES]


@pytest.fixture(scope="session")
def month_project(tmp_path_factory, default_run_project) -> Path:
    """A writable copy of ``default_run_project`` for the monthly cycle; its steps write here."""
    return copy_run(default_run_project, tmp_path_factory.mktemp("months"))


@pytest.fixture(scope="session")
def first_month(month_project) -> dict:
    """What the first month's retrain wrote (the default run's: demo bank, retrain, demo checks)."""
    reporting = month_project / "data/08_reporting"
    return {
        "fingerprints": fingerprints(month_project),
        "registry_files": registry_files(month_project),
        "document": json.loads((month_project / REGISTRY / "model_registry.json").read_text()),
        "decisions": json.loads((reporting / "champion_decisions.json").read_text()),
        "metrics": json.loads((reporting / "potential_model_metrics.json").read_text()),
        "drift": pd.read_csv(reporting / "drift_monitoring.csv"),
        "report": (reporting / "report.html").read_text(),
        "tables": seeded_tables(month_project),
    }


@pytest.fixture(scope="session")
def month_rerun(month_project, first_month) -> dict:
    """The same month again, as a scheduler reruns it over the first run's outputs: the demo bank
    regenerated with the same seed (``demo_data``), then ``retrain``."""
    with inside(month_project):
        run(month_project, pipeline="demo_data")
        run(month_project, pipeline="retrain")
    return {
        "fingerprints": fingerprints(month_project),
        "registry_files": registry_files(month_project),
        "tables": seeded_tables(month_project),
    }
