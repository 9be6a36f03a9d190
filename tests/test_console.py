"""What a kedro command prints when its output is a file or a pipe: whole lines, and no
warning the user cannot act on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SESSION = """
import logging
from pathlib import Path
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

bootstrap_project(Path.cwd())
with KedroSession.create(project_path=Path.cwd()) as session:
    context = session.load_context()
    context.params
    pipelines["retrain"]
logging.getLogger("customer_classification").warning("a long message " + "word " * 60 + "END")
"""


def test_a_piped_kedro_session_prints_whole_lines_and_no_unactionable_warning():
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as under cron: no terminal width
    env.update(PYTHONPATH=str(PROJECT / "src"), KEDRO_DISABLE_TELEMETRY="1")
    completed = subprocess.run(
        [sys.executable, "-c", SESSION], cwd=PROJECT, env=env, capture_output=True, text=True, check=True
    )
    output = completed.stdout + completed.stderr
    message = "a long message " + "word " * 60 + "END"
    assert any(message.strip() in line for line in output.splitlines()), output[-2000:]
    assert "register_new_resolver" not in output
    assert "dataset names contain '.'" not in output
    assert "model_fields" not in output
    assert "Warning" not in output, output[-2000:]
