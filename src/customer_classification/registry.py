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
A rollback (``kedro champions rollback``) puts back the champions a recorded retrain left
and notes it under ``"rollbacks"``; the next month's retrain competes with them.
"""

from __future__ import annotations

import copy
import io
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FORMAT = 1


def reference_name(model: str) -> str:
    """The registry name of a model's drift reference, which follows the model's version."""
    return f"{model}_drift_reference"


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
                f"to go back to the champions of {version}, run `kedro champions rollback --to {version}`"
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


def rolled_back(
    registry: ModelRegistry, to_version: str, artefacts: list[str] | None, at: str, reason: str
) -> dict[str, Any]:
    """The registry document with the champions that the retrain of ``to_version`` left, for
    ``artefacts`` (every one when None); a model's drift reference follows it. The change is
    recorded under ``"rollbacks"`` with its time and reason."""
    recorded = registry.retrain_of(to_version)
    if recorded is None:
        months = [r["version"] for r in registry.state["retrains"]]
        raise ValueError(f"model registry: no retrain of {to_version} is recorded (recorded: {months})")
    target = recorded["champions_after"]
    chosen = sorted(target) if not artefacts else sorted(set(artefacts))
    unknown = [a for a in chosen if a not in target]
    if unknown:
        raise ValueError(
            f"model registry: the retrain of {to_version} left no champion for {unknown} (it has {sorted(target)})"
        )
    chosen = sorted({*chosen, *(reference_name(a) for a in chosen if reference_name(a) in target)})
    state = copy.deepcopy(registry.state)
    changed = {a: state["champions"].get(a, {}).get("version") for a in chosen}
    for artefact in chosen:
        state["champions"][artefact] = copy.deepcopy(target[artefact])
    state.setdefault("rollbacks", []).append({"to": to_version, "at": at, "reason": reason, "versions_before": changed})
    return state


@dataclass
class RegistryUpdate:
    """What a retrain writes: the new document and the artefact versions it names
    (``{(artefact, version): object}``); the dataset writes the artefacts first, the document last."""

    state: dict[str, Any]
    artefacts: dict[tuple[str, str], Any]


def _in_order(items) -> list:
    return sorted(items, key=lambda item: (type(item).__name__, repr(item)))


class _StablePickler(pickle._Pickler):  # noqa: SLF001 - the Python pickler, whose dispatch a subclass may extend
    """Pickles sets in a sorted order. A set of strings iterates in the order of its strings'
    hashes, which Python draws anew in every process (pydantic keeps the fields a model was given
    in such a set): without this, the same model rerun in a new process pickles to other bytes.
    (The C pickler's ``reducer_override`` is never called for an exact set.)"""

    dispatch = pickle._Pickler.dispatch.copy()  # noqa: SLF001

    def _save_set(self, obj: set) -> None:
        self.write(pickle.EMPTY_SET)
        self.memoize(obj)
        self.write(pickle.MARK)
        for item in _in_order(obj):
            self.save(item)
        self.write(pickle.ADDITEMS)

    def _save_frozenset(self, obj: frozenset) -> None:
        self.save_reduce(frozenset, (_in_order(obj),), obj=obj)

    dispatch[set] = _save_set
    dispatch[frozenset] = _save_frozenset


def stable_pickle(value: Any) -> bytes:
    """``value`` pickled (protocol 5) to the same bytes in every process of the same environment."""
    buffer = io.BytesIO()
    _StablePickler(buffer, protocol=5).dump(value)
    return buffer.getvalue()
