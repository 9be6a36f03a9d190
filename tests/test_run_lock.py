"""One run at a time per data folder: the second stops naming the first; a dead run's lock is taken over."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys

import pytest

from customer_classification.run_lock import LOCK_NAME, DataFolderBusyError, DataFolderLock

RUN = {"pipeline_names": ["data_engineering"], "env": "prod"}


def test_a_second_run_stops_at_once_naming_the_first(tmp_path):
    first = DataFolderLock()
    first.acquire(tmp_path / "data", RUN)
    holder = json.loads((tmp_path / "data" / LOCK_NAME).read_text())
    other_process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "data" / LOCK_NAME).write_text(json.dumps(dict(holder, pid=other_process.pid)))
        with pytest.raises(DataFolderBusyError) as error:
            DataFolderLock().acquire(tmp_path / "data", {"pipeline_names": ["score"]})
    finally:
        other_process.kill()
        other_process.wait()
    message = str(error.value)
    assert f"pid {other_process.pid}" in message
    assert f"started {holder['started']}" in message
    assert "running pipelines data_engineering" in message


def test_the_lock_of_a_killed_run_is_taken_over_and_a_finished_run_releases_it(tmp_path, caplog):
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True
    )
    dead_pid = int(finished.stdout)
    data = tmp_path / "data"
    data.mkdir()
    (data / LOCK_NAME).write_text(json.dumps({"pid": dead_pid, "host": socket.gethostname()}))
    lock = DataFolderLock()
    with caplog.at_level(logging.WARNING):
        lock.acquire(data, RUN)
    assert f"pid {dead_pid}" in caplog.text
    assert json.loads((data / LOCK_NAME).read_text())["pipelines"] == ["data_engineering"]
    lock.on_pipeline_error(error=RuntimeError("boom"), run_params=RUN, pipeline=None, catalog=None)
    assert not (data / LOCK_NAME).exists()
