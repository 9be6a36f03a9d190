"""The front end served on localhost by the test: uvicorn in a thread, on a free port, an empty store."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from customer_classification.frontend.app import create_app

TOKEN = "test-publishing-token"


@dataclass
class Server:
    url: str
    database: Path


@contextlib.contextmanager
def serving(database: Path, token: str = TOKEN, **options):
    """The application on ``database``, listening on 127.0.0.1 at a free port, until the block ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(create_app(database, token, **options), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the front end did not start")
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", database)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def server(tmp_path):
    """A fresh front end with an empty store."""
    with serving(tmp_path / "frontend.sqlite") as running:
        yield running


@pytest.fixture
def publisher_token(monkeypatch):
    """The publishing token in the environment, as a publisher's shell has it."""
    monkeypatch.setenv("CC_FRONTEND_TOKEN", TOKEN)
    return TOKEN
