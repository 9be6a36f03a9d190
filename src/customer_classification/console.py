"""Whole log lines when the console is not a terminal.

Rich lays a log out for a terminal's width and falls back to 80 columns when the
output is a file or a pipe (cron, Airflow, CI, ``| tee``): messages are wrapped
mid-sentence, an error message is cut across lines and the file-path column pads
every line; its traceback hook wraps the final error the same way. Written to a
file, a line must be whole. Kedro configures logging from ``conf/logging.yml``
before the project is imported and accepts no handler class of the project's, so
``settings.py`` swaps the Rich console handler for a plain one here instead.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import rich.logging

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def whole_lines_when_not_a_terminal(stream: TextIO | None = None) -> None:
    """Replace the root logger's Rich handlers by plain ones writing to ``stream`` (default
    standard output), and Rich's traceback hook by Python's, unless ``stream`` is a terminal."""
    stream = stream or sys.stdout
    if stream.isatty():
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, rich.logging.RichHandler)]:
        plain = logging.StreamHandler(stream)
        plain.setLevel(handler.level)
        plain.setFormatter(logging.Formatter(PLAIN_FORMAT))
        root.removeHandler(handler)
        root.addHandler(plain)
    if getattr(sys.excepthook, "__module__", "") == "rich.traceback":
        sys.excepthook = sys.__excepthook__
