"""Browser checks: the report in headless Chromium, and kedro-viz's static build listing every pipeline."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from customer_classification.pipeline_registry import register_pipelines
from tests.pipelines.reporting.browser import ensure_chromium, new_driver, serve
from tests.pipelines.reporting.conftest import REPORTING


@pytest.fixture(scope="module")
def browser():
    driver = new_driver(*ensure_chromium())
    yield driver
    driver.quit()


def test_the_report_opens_with_every_figure_visible_and_nothing_fetched(reported_project, browser, tmp_path):
    report = reported_project / REPORTING / "report.html"
    browser.get(report.as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight,"
        " i.getBoundingClientRect().width])"
    )
    assert len(images) == len(list((reported_project / REPORTING / "figures").rglob("*.png")))
    broken = [alt for alt, complete, width, height, shown in images if not (complete and width > 0 and height > 0)]
    assert not broken, f"images that did not load: {broken}"
    assert all(shown > 300 for *_, shown in images), "every figure is drawn at a readable width"
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [url for url in fetched if not url.startswith(("data:", "file:"))] == []
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.find_element(By.TAG_NAME, "h1").text == "Customer intelligence report"

    screenshot = tmp_path / "report.png"
    browser.save_screenshot(str(screenshot))
    with Image.open(screenshot) as image:
        assert image.width >= 1000 and image.height >= 1000
        pixels = np.asarray(image.convert("L"), dtype=float)
    assert pixels.std() > 20, "the first screen is not blank"
    assert (pixels < 128).mean() > 0.01, "there is dark text on the first screen"


# kedro-viz's page asks for a web font and for api/metadata, which its static build does not write;
# both fail offline and change nothing the test looks at.
_KNOWN_VIZ_NOISE = ("fonts.googleapis.com", "/api/metadata", "metadata fetch error")


def test_kedro_viz_build_lists_every_pipeline(reported_project, browser):
    result = subprocess.run(
        [sys.executable, "-m", "kedro", "viz", "build"],
        cwd=reported_project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Success" in result.stdout + result.stderr
    build = reported_project / "build"
    registered = set(register_pipelines())
    assert {p.name for p in (build / "api" / "pipelines").iterdir()} == registered

    with serve(build) as url:
        browser.get(f"{url}/index.html")
        selector = '[data-test="kedro-pipeline-selector"] .menu-option'
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))
        listed = browser.execute_script(
            f"return Array.from(document.querySelectorAll('{selector}')).map(o => o.textContent.trim())"
        )
        nodes = browser.execute_script("return document.querySelectorAll('.pipeline-node').length")
    assert set(listed) == registered
    assert "reporting" in listed
    assert nodes > 0, "the flowchart is drawn"
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert [m for m in errors if not any(noise in m for noise in _KNOWN_VIZ_NOISE)] == []
