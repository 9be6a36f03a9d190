"""One tiny demo bank, run end to end once for all reporting tests."""

from __future__ import annotations

import shutil

import pytest
from kedro.framework.startup import bootstrap_project

from tests.conftest import PROJECT, copy_run

REPORTING = "data/08_reporting"


@pytest.fixture(scope="session")
def reported_project(tmp_path_factory, default_run_project):
    """A copy of the project on which ``kedro run`` (every pipeline) has run once at 400 customers
    (the session's ``default_run_project``), with the notebooks; the reporting tests may write here."""
    root = copy_run(default_run_project, tmp_path_factory.mktemp("reported_project"))
    shutil.copytree(PROJECT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        bootstrap_project(root)
        yield root
