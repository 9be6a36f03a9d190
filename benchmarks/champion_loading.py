"""What reading the champions through MLflow costs ``score``, against the registry's pickles.

    python benchmarks/system.py --customers 20000          # a retrained project, MLflow on
    python benchmarks/champion_loading.py --customers 20000

In the scratch project that ``benchmarks/system.py`` left (``/tmp/cc-system-<N>``, or
``--workdir``), each in its own process and ``--repeats`` times in turn: a Kedro session loads
every champion that ``model_registry.json`` names, once as ``score`` reads them
(``MlflowChampionDataset``: ``models:/customer_classification.<artefact>@champion``) and once
from the registry folder's pickles (``ChampionDataset``, the catalog without MLflow). Wall and
CPU seconds of the loads, and of the session's start. (That both give the same objects is
tested in ``tests/tracking/``.)

Prints the figures and saves ``benchmarks/results/champion_loading_<N>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from common import machine, save

ONE_LOAD = """
import json, sys, time
from pathlib import Path
started, started_cpu = time.perf_counter(), time.process_time()
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
bootstrap_project(Path.cwd())  # the scratch project's src/, as `kedro run` there imports it
from customer_classification.datasets import ChampionDataset
with KedroSession.create(env="local") as session:
    catalog = session.load_context().catalog
    champions = json.loads(Path("data/06_models/registry/model_registry.json").read_text())["champions"]
    opened, opened_cpu = time.perf_counter(), time.process_time()
    if sys.argv[1] == "pickles":
        objects = [ChampionDataset(path="data/06_models/registry", artefact=a).load() for a in champions]
    else:
        objects = [catalog.load(f"champion.{a}") for a in champions]
    loaded, loaded_cpu = time.perf_counter(), time.process_time()
print(json.dumps({"champions": len(objects), "load_seconds": round(loaded - opened, 3),
                  "load_cpu_seconds": round(loaded_cpu - opened_cpu, 3),
                  "session_start_seconds": round(opened - started, 3)}))
"""


def one_load(workdir: Path, source: str) -> dict:
    """One process's load of every champion from ``source`` (``mlflow`` or ``pickles``)."""
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="1", MLFLOW_DISABLE_TELEMETRY="true")
    command = [sys.executable, "-c", ONE_LOAD, source]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=True, env=env)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="the project system.py left (default /tmp/cc-system-<N>)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    workdir = args.workdir or Path(f"/tmp/cc-system-{args.customers}")
    runs = {"mlflow": [], "pickles": []}
    for _ in range(args.repeats):
        for source, results in runs.items():
            results.append(one_load(workdir, source))
    figures = {
        source: {
            "median_load_seconds": sorted(r["load_seconds"] for r in results)[len(results) // 2],
            "median_load_cpu_seconds": sorted(r["load_cpu_seconds"] for r in results)[len(results) // 2],
            "runs": results,
        }
        for source, results in runs.items()
    }
    result = {
        "benchmark": "champion_loading",
        "customers": args.customers,
        "champions": runs["mlflow"][0]["champions"],
        **figures,
        "machine": machine(),
    }
    for source in runs:
        print(
            f"{source:8} load {figures[source]['median_load_seconds']:.2f} s wall, "
            f"{figures[source]['median_load_cpu_seconds']:.2f} s CPU (median of {args.repeats})"
        )
    print(f"saved {save(f'champion_loading_{args.customers}', result)}")


if __name__ == "__main__":
    main()
