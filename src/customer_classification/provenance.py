"""Which run wrote each table, and a guard against reading layers of two runs at once.

A run interrupted between two tables leaves the tables it had written beside older
ones. ``ChunkedParquetDataset`` therefore stores, inside each table's folder and
swapped in with its parts, a small record of the run that wrote it
(:data:`RECORD_NAME`; readers of ``*.parquet`` and Spark ignore it). Before
``score`` or ``retrain`` starts, :class:`MixedRunsGuard` compares the records of
the tables it reads: tables written by one pipeline must come from one run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Pipeline

from customer_classification.run_lock import EndOfRunHook

RECORD_NAME = "_written_by_run.json"
GUARDED_PIPELINES = ("score", "retrain")

# the run in progress in this process, set by RunRecorder before the first node runs
_current_run: dict[str, Any] | None = None


def current_run() -> dict[str, Any] | None:
    return _current_run


def write_record(folder: Path) -> None:
    """Record the run in progress in ``folder`` (nothing outside a Kedro run)."""
    if _current_run is not None:
        (folder / RECORD_NAME).write_text(json.dumps(_current_run, indent=2) + "\n")


def read_record(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / RECORD_NAME).read_text())
    except (OSError, ValueError):
        return None  # written outside a run, by an older version, or by the bank's own tools


class RunRecorder(EndOfRunHook):
    """Makes the run in progress known to the datasets that record it."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any) -> None:
        global _current_run  # noqa: PLW0603 - one run per process at a time (the run lock sees to it)
        _current_run = {
            "run_id": run_params.get("run_id"),
            "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "pipelines": list(run_params.get("pipeline_names") or ["__default__"]),
            "env": run_params.get("env"),
        }

    def run_ended(self) -> None:
        global _current_run  # noqa: PLW0603 - see before_pipeline_run
        _current_run = None


def _registered_pipelines() -> Mapping[str, Pipeline]:
    from kedro.framework.project import pipelines  # noqa: PLC0415 - the project's registry, known only in a session

    return pipelines


def _producer(name: str, pipelines: Mapping[str, Pipeline]) -> str | None:
    """The first registered pipeline of its own (not ``score``, ``retrain`` or ``__default__``)
    that writes the dataset ``name``."""
    composed = {*GUARDED_PIPELINES, "__default__"}
    return next((p for p, pipe in pipelines.items() if p not in composed and name in pipe.all_outputs()), None)


class MixedRunsGuard:
    """Stops ``score`` or ``retrain`` when the tables it reads that one pipeline writes
    were written by different runs of it."""

    def __init__(self, pipelines: Callable[[], Mapping[str, Pipeline]] = _registered_pipelines):
        self._pipelines = pipelines

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any) -> None:
        if not set(run_params.get("pipeline_names") or []) & set(GUARDED_PIPELINES):
            return
        registered = self._pipelines()
        by_producer: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for name in sorted(pipeline.inputs()):
            folder = getattr(catalog.get(name) if name in catalog else None, "folder", None)
            record = read_record(folder) if folder is not None else None
            producer = _producer(name, registered) if record else None
            if producer:
                by_producer[producer][name] = record
        mixed = {p: tables for p, tables in by_producer.items() if len({r["run_id"] for r in tables.values()}) > 1}
        if mixed:
            raise RuntimeError(_mixed_message(mixed))


def _mixed_message(mixed: Mapping[str, Mapping[str, dict[str, Any]]]) -> str:
    lines = []
    for producer, tables in mixed.items():
        for name, record in tables.items():
            lines.append(
                f"  - {name} (from {producer}): run {record['run_id']}, started {record['started']}, "
                f"pipelines {', '.join(record['pipelines'])}"
            )
    producers = ", ".join(mixed)
    return (
        f"The tables this run reads were written by different runs of {producers} (a run stopped between "
        "tables):\n" + "\n".join(lines) + f"\nRun `kedro run --pipelines {next(iter(mixed))}` again, whole, "
        "before this one."
    )
