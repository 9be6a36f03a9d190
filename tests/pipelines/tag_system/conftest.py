"""Helpers of the tag_system tests: tags built the way the YAML declares them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kedro.config import OmegaConfigLoader

from customer_classification.pipelines.tag_system.params import TagSystemParams, parse_tag

PROJECT = Path(__file__).resolve().parents[3]


def tag(name: str, **definition: Any):
    """A tag parsed from keyword arguments as its YAML entry would be; group and words defaulted."""
    words = {"group": "basic", "title": name.replace("_", " "), "description": f"test tag {name}"}
    return parse_tag(name, {**words, **definition})


def project_parameters(conf: Path = PROJECT / "conf") -> dict[str, Any]:
    """The parameters of conf/base as Kedro resolves them (globals interpolated)."""
    return OmegaConfigLoader(conf_source=str(conf), base_env="base", default_run_env="base")["parameters"]


@pytest.fixture(scope="session")
def default_tag_config() -> dict[str, Any]:
    return project_parameters()["tag_system"]


@pytest.fixture(scope="session")
def default_params(default_tag_config) -> TagSystemParams:
    return TagSystemParams.model_validate(default_tag_config)
