"""Headless Chromium for the browser checks, installed with apt-get when missing (CI runs as root on Debian)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
)


def _binaries() -> tuple[str | None, str | None]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    return browser, shutil.which("chromedriver")


def ensure_chromium() -> tuple[str, str]:
    """Paths of Chromium and its driver; installs the Debian packages when they are missing, else skips."""
    browser, driver = _binaries()
    if browser and driver:
        return browser, driver
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("Chromium and chromedriver are missing and cannot be installed here (needs root and apt-get)")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"],
    ):
        result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=900, check=False)
        if result.returncode:
            pytest.skip(f"installing Chromium failed ({' '.join(command)}): {result.stderr.strip()[-300:]}")
    browser, driver = _binaries()
    if not (browser and driver):
        pytest.skip("apt-get installed chromium but no chromium/chromedriver binary is on PATH")
    return browser, driver


def new_driver(browser: str, driver: str):
    from selenium import webdriver  # noqa: PLC0415 - a test extra
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


@contextlib.contextmanager
def serve(folder: Path):
    """A local HTTP server for ``folder`` (kedro-viz's build reads its api/ files over HTTP)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
