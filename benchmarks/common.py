"""Shared helpers of the benchmarks: a scratch copy of the project and measured runs."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

# as the project's settings do for a kedro run: LightGBM's idle OpenMP threads yield the cores
# (the benchmarks that fit models in-process import this module before LightGBM)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "benchmarks" / "results"


def scratch_project(workdir: Path) -> Path:
    """A copy of the project's conf/, pyproject.toml and src/ in ``workdir`` (data kept between runs)."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("conf", "src"):
        shutil.rmtree(workdir / name, ignore_errors=True)
    shutil.copytree(PROJECT / "conf", workdir / "conf", ignore=shutil.ignore_patterns("credentials*"))
    (workdir / "conf" / "local").mkdir(exist_ok=True)
    shutil.copytree(PROJECT / "src", workdir / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(PROJECT / "pyproject.toml", workdir)
    return workdir


def measured_run(command: list[str], cwd: Path, poll_seconds: float = 0.2, label: str | None = None) -> dict[str, Any]:
    """Run a command; its wall time, the peak resident memory of it and its children, the CPU
    seconds they used (a figure that a busy machine inflates less than the wall time), and the
    last line it printed. Its output goes to a file, not a pipe: a pipe nobody reads until the
    end blocks a talkative run once the pipe's buffer is full."""
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="1", DO_NOT_TRACK="1", SPARK_LOCAL_IP="127.0.0.1")
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        watched = psutil.Process(process.pid)
        peak = 0
        cpu: dict[int, float] = {}  # seconds per process, as last sampled (a process's CPU times only grow)
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
                for p in tree:
                    times = p.cpu_times()
                    cpu[p.pid] = times.user + times.system
            except psutil.Error:
                pass
            time.sleep(poll_seconds)
        wall = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    if process.returncode != 0:
        sys.stderr.write(output[-6000:])
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    lines = output.strip().splitlines()
    return {
        "command": label or " ".join(command),
        "wall_seconds": round(wall, 2),
        "peak_rss_mb": round(peak / 2**20),
        "cpu_seconds": round(sum(cpu.values()), 1),
        "last_line": lines[-1] if lines else "",
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def save(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def demo_bank_project(description: str, parser: argparse.ArgumentParser | None = None) -> tuple[int, Path]:
    """``--customers`` and ``--workdir`` from the command line, and the scratch project there
    (default ``/tmp/cc-bench-<customers>``) with the demo bank generated at that scale (kept,
    and reused while the scale matches). A script with options of its own passes its ``parser``
    holding them, and reads them from it afterwards."""
    if parser is None:
        parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="scratch project (default /tmp/cc-bench-<customers>)"
    )
    args = parser.parse_args()
    workdir = scratch_project(args.workdir or Path(f"/tmp/cc-bench-{args.customers}"))
    marker = workdir / "data" / "generated_customers.txt"
    if not marker.exists() or marker.read_text().strip() != str(args.customers):
        print(f"generating the demo bank at {args.customers:,} customers ...", flush=True)
        params = f"demo_bank.n_customers={args.customers}"
        measured_run(["kedro", "run", "--pipelines", "demo_data", "--params", params], workdir)
        marker.write_text(str(args.customers))
    return args.customers, workdir
