"""Every page in headless Chromium: it loads, logs no error, fetches nothing from elsewhere and is not blank."""

from __future__ import annotations

import numpy as np
import pytest
import requests
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from customer_classification.datasets import FrontendAPIDataset
from customer_classification.pipelines.publish import nodes
from tests.frontend.outputs import GROUPS, customer_cards, pseudonym, rm_types_inputs, segment_payload
from tests.pipelines.reporting.browser import ensure_chromium, new_driver

PAGES = {
    "/": "Overview",
    "/segments": "Segments",
    "/segments/lifestyle": "The lifestyle segments",
    "/branches": "Tiers and potential loan customers per branch and RM",
    "/branches/rm/5001": "Customers of relationship manager 5001",
    "/rm-types": "Relationship-manager types",
    f"/customers?id={pseudonym(4)}": "Customer look-up",
}


@pytest.fixture(scope="module")
def browser():
    driver = new_driver(*ensure_chromium())
    yield driver
    driver.quit()


@pytest.fixture
def published(server, publisher_token):
    FrontendAPIDataset(url=f"{server.url}/api/customers").save(customer_cards())
    FrontendAPIDataset(url=f"{server.url}/api/rm_types").save(nodes.rm_types_payload(*rm_types_inputs()))
    for group in GROUPS:
        FrontendAPIDataset(url=f"{server.url}/api/segments/{group}").save(segment_payload(group))
    return server


def test_every_page_loads_with_no_console_error_and_nothing_fetched_from_elsewhere(published, browser, tmp_path):
    for path, heading in PAGES.items():
        browser.get(published.url + path)
        WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
        assert browser.find_element(By.TAG_NAME, "h1").text == heading, path
        fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert [url for url in fetched if not url.startswith((published.url, "data:"))] == [], path
        assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == [], path
        links = browser.execute_script("return Array.from(document.links).map(a => a.href)")
        assert all(link.startswith(published.url) for link in links), path
        shot = tmp_path / "page.png"
        browser.save_screenshot(str(shot))
        with Image.open(shot) as image:
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.std() > 20 and (pixels < 128).mean() > 0.005, f"{path} looks blank"


def test_the_look_up_form_finds_a_customer(published, browser):
    browser.get(published.url + "/customers")
    browser.find_element(By.ID, "id").send_keys(pseudonym(4))
    browser.find_element(By.CSS_SELECTOR, "form button").click()
    WebDriverWait(browser, 20).until(lambda d: "Recommended products" in d.page_source)
    assert "potential loan customer" in browser.page_source
    assert requests.get(f"{published.url}/customers", params={"id": "0" * 32}, timeout=30).status_code == 404
