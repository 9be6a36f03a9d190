"""Settings that shape the pipelines themselves, read before a Kedro session exists.

The pipelines' nodes get their parameters through ``params:``; only what decides which
nodes exist (the clustering groups, one namespaced pipeline each) is read here.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from kedro.framework.project import settings

DEFAULT_GROUPS = ("basic", "financial", "non_financial", "lifestyle")


def configured_groups(conf_source: Path | None = None) -> list[str]:
    """The group names of ``clustering.groups`` in the project's parameters (base, then local).

    The files are read as plain YAML (only the keys matter): a Kedro config loader would
    re-register OmegaConf's ``globals`` resolver, process-wide, so that the running session's
    parameters resolve ``${globals:...}`` from base and local instead of its own environment
    (``--env next_month`` would run on base's dates).
    """
    source = conf_source or Path.cwd() / settings.CONF_SOURCE
    groups: dict = {}
    for env in ("base", "local"):
        for path in sorted((source / env).glob("parameters*.yml")):
            block = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("clustering")
            if isinstance(block, dict):  # an environment's groups merge over base's (settings' merge_strategy)
                groups = {**groups, **(block.get("groups") or {})}
    return list(groups) or list(DEFAULT_GROUPS)
