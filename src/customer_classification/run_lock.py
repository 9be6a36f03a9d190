"""One run at a time per project: a lock file in the project's data folder.

Two runs writing the same data folder swap staging folders under each other and
fail with bare ``FileNotFoundError``s, or worse, leave layers written by both. The
second run now stops before it starts, naming the run that holds the folder; a
lock left by a run that was killed (its process is gone) is taken over.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl

logger = logging.getLogger(__name__)

LOCK_NAME = ".run.lock"


class DataFolderBusyError(RuntimeError):
    """Another live run holds the project's data folder."""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 checks that the process exists, without touching it
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _read(lock: Path) -> dict[str, Any]:
    try:
        return json.loads(lock.read_text())
    except (OSError, ValueError):
        return {}  # half-written by a run killed while taking it: nobody holds it


def _is_stale(holder: dict[str, Any]) -> bool:
    """Whether the run that wrote the lock is gone. A lock from another host cannot be
    checked and counts as held (the message says how to remove it)."""
    if not holder.get("pid"):
        return True
    if holder.get("host") != socket.gethostname():
        return False
    return holder["pid"] == os.getpid() or not _process_alive(int(holder["pid"]))


def describe(holder: dict[str, Any]) -> str:
    pipelines = ", ".join(holder.get("pipelines") or ["__default__"])
    return (
        f"pid {holder.get('pid')} on {holder.get('host')}, started {holder.get('started')}, "
        f"running pipelines {pipelines} (env {holder.get('env')})"
    )


class EndOfRunHook:
    """A hook that undoes at the end of a run, failed or not, what it did before it (``run_ended``)."""

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], run_result: Any, pipeline: Any, catalog: Any) -> None:
        self.run_ended()

    @hook_impl
    def on_pipeline_error(self, error: Exception, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        self.run_ended()

    def run_ended(self) -> None:
        raise NotImplementedError


class DataFolderLock(EndOfRunHook):
    """Takes ``data/.run.lock`` before a run and gives it back after it, failed or not."""

    def __init__(self) -> None:
        self._held: Path | None = None

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        data = Path(run_params.get("project_path") or ".") / "data"
        self.acquire(data, run_params)

    def run_ended(self) -> None:
        self.release()

    def acquire(self, data: Path, run_params: dict[str, Any]) -> None:
        data.mkdir(parents=True, exist_ok=True)
        lock = data / LOCK_NAME
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "pipelines": list(run_params.get("pipeline_names") or []),
            "env": run_params.get("env"),
        }
        for _ in range(2):  # a stale lock is removed once, then taken like a free one
            try:
                descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                holder = _read(lock)
                if not _is_stale(holder):
                    raise DataFolderBusyError(
                        f"Another run is using the data folder {data}: {describe(holder)}. Wait for it to end. "
                        f"If that run is gone (another host, or a reused pid), delete {lock}."
                    ) from None
                logger.warning("Taking over the lock of a run that ended without releasing it: %s", describe(holder))
                lock.unlink(missing_ok=True)
                continue
            with os.fdopen(descriptor, "w") as file:
                json.dump(me, file)
            self._held = lock
            atexit.register(self.release)  # a run stopped by Ctrl-C calls no error hook
            return
        raise DataFolderBusyError(f"Another run took the data folder {data} at the same moment; run again.")

    def release(self) -> None:
        """Remove the lock if this process still holds it."""
        if self._held is None:
            return
        if _read(self._held).get("pid") == os.getpid():
            self._held.unlink(missing_ok=True)
        self._held = None
