"""Run a pipeline of a project in this process and record each step's peak memory.

    python benchmarks/node_memory.py <project dir> <pipeline> [--env ENV] [--nodes A,B] [key.sub=value ...]

(the optional ``key=value`` pairs are runtime parameters, as ``kedro run --params``; ``--env``
is the configuration environment and ``--nodes`` the nodes to run, as for ``kedro run``).

A sampling thread reads the process's resident memory every 50 ms; hooks name the
step running: the load of a dataset, a node's function (with a generator node's
chunks), or the save of a dataset (where a lazy frame is computed and written). Prints one JSON
line: ``{step: {"peak_rss_mb": ..., "seconds": ...}}``, steps in the order they ran.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml
from kedro.framework.hooks import hook_impl
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project


class StepMemory:
    """Peak RSS and wall time per step (node run or dataset save)."""

    def __init__(self, interval: float = 0.05):
        self._process = psutil.Process()
        self._interval = interval
        self._step = "start-up"
        self._started = time.perf_counter()
        self.steps: dict[str, dict[str, float]] = {}
        self._running = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while self._running:
            rss = self._process.memory_info().rss
            step = self.steps.setdefault(self._step, {"peak_rss_mb": 0, "seconds": 0.0})
            step["peak_rss_mb"] = max(step["peak_rss_mb"], round(rss / 2**20))
            time.sleep(self._interval)

    def _enter(self, step: str) -> None:
        now = time.perf_counter()
        current = self.steps.setdefault(self._step, {"peak_rss_mb": 0, "seconds": 0.0})
        current["seconds"] = round(current["seconds"] + now - self._started, 1)
        self._step, self._started = step, now

    @hook_impl
    def before_dataset_loaded(self, dataset_name: str) -> None:
        self._enter(f"load {dataset_name}")

    @hook_impl
    def before_node_run(self, node) -> None:
        self._enter(f"run {node.name}")

    @hook_impl
    def before_dataset_saved(self, dataset_name: str) -> None:
        self._enter(f"save {dataset_name}")

    @hook_impl
    def after_dataset_saved(self, node) -> None:
        # a generator node computes its next chunk before that chunk's save
        self._enter(f"run {node.name}")

    def stop(self) -> dict[str, dict[str, float]]:
        self._enter("end")
        self._running = False
        self._sampler.join()
        return self.steps


def runtime_params(pairs: list[str]) -> dict:
    """``["demo_bank.n_customers=200000"]`` -> ``{"demo_bank": {"n_customers": 200000}}``."""
    params: dict = {}
    for pair in pairs:
        key, value = pair.split("=", 1)
        *parents, leaf = key.split(".")
        node = params
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = yaml.safe_load(value)
    return params


def main() -> None:
    project, pipeline, rest = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3:]
    options = {}
    for option in ("--env", "--nodes"):
        if option in rest:
            at = rest.index(option)
            options[option], rest = rest[at + 1], rest[:at] + rest[at + 2 :]
    env = options.get("--env")
    nodes = options["--nodes"].split(",") if "--nodes" in options else None
    os.chdir(project)
    bootstrap_project(project)
    steps = StepMemory()
    with KedroSession.create(project_path=project, env=env, runtime_params=runtime_params(rest)) as session:
        session._hook_manager.register(steps)  # noqa: SLF001 - a measuring hook for this run only
        session.run(pipeline_names=[pipeline], node_names=nodes)
    print(json.dumps(steps.stop()))


if __name__ == "__main__":
    main()
