"""The model registry: which version of each fitted artefact is the champion, and why.

The registry is one JSON document (``model_registry.json``) beside one pickle per artefact
version (``<artefact>/<version>.pkl``); a version is the retrain's month (``YYYY-MM``), so
rerunning a month rewrites the same files. The document::

    {
      "format": 1,
      "champions": {
        "potential_model": {"version": "2026-10", "metric": "auc", "value": 0.78,
                            "test_snapshot": "2026-05-01", "trained_on": ["2025-11-01", ...]},
        "tag_binner": {"version": "2026-10"},
        ...
      },
      "retrains": [
        {"version": "2026-10", "champions_before": {...}, "champions_after": {...},
         "decisions": [{"model": "potential_model", "decision": "promoted", "reason": "...", ...}]}
      ]
    }

``champions_before`` of a month is what a rerun of that month compares with, so a rerun takes
the same decision (idempotent). Only the latest month may be rerun; an older one raises.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FORMAT = 1


def empty_state() -> dict[str, Any]:
    return {"format": FORMAT, "champions": {}, "retrains": []}


@dataclass
class ModelRegistry:
    """The registry document and a loader of artefact versions (called lazily, like a
    PartitionedDataset's partitions: a node loads only the versions it compares with)."""

    state: dict[str, Any] = field(default_factory=empty_state)
    loader: Callable[[str, str], Any] | None = None

    def __post_init__(self) -> None:
        if self.state.get("format") != FORMAT:
            raise ValueError(
                f"model registry: format {self.state.get('format')!r} is not the supported format {FORMAT}"
            )

    @property
    def champions(self) -> dict[str, dict[str, Any]]:
        return self.state["champions"]

    def champion_version(self, artefact: str) -> str | None:
        entry = self.champions.get(artefact)
        return None if entry is None else entry["version"]

    def retrain_of(self, version: str) -> dict[str, Any] | None:
        return next((r for r in self.state["retrains"] if r["version"] == version), None)

    def champions_before(self, version: str) -> dict[str, dict[str, Any]]:
        """The champions a retrain of ``version`` competes with: those recorded before that
        month's first retrain when it is a rerun, the current ones otherwise."""
        recorded = [r["version"] for r in self.state["retrains"]]
        later = [v for v in recorded if v > version]
        if later:
            raise ValueError(
                f"model registry: a retrain of {version} cannot follow the retrains of {later}; "
                "to roll back, set the champions in model_registry.json by hand"
            )
        previous = self.retrain_of(version)
        return copy.deepcopy(previous["champions_before"] if previous else self.champions)

    def load(self, artefact: str, version: str) -> Any:
        if self.loader is None:
            raise ValueError(f"model registry: no loader to read {artefact} version {version}")
        return self.loader(artefact, version)


def record_retrain(
    registry: ModelRegistry,
    version: str,
    decisions: list[dict[str, Any]],
    champions_before: dict[str, dict[str, Any]],
    champions_after: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The registry document after a retrain of ``version`` (a rerun replaces that month's record)."""
    state = copy.deepcopy(registry.state)
    retrains = [r for r in state["retrains"] if r["version"] != version]
    retrains.append(
        {
            "version": version,
            "champions_before": champions_before,
            "champions_after": champions_after,
            "decisions": decisions,
        }
    )
    state["retrains"] = sorted(retrains, key=lambda r: r["version"])
    state["champions"] = champions_after
    return state


@dataclass
class RegistryUpdate:
    """What a retrain writes: the new document and the artefact versions it names
    (``{(artefact, version): object}``); the dataset writes the artefacts first, the document last."""

    state: dict[str, Any]
    artefacts: dict[tuple[str, str], Any]
