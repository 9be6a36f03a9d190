"""The front end's API: publications stored with their history, refused without the token or when malformed."""

from __future__ import annotations

import json

import requests

from tests.frontend.conftest import TOKEN, serving
from tests.frontend.outputs import pseudonym, segment_payload

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _card(customer_id: int, **changes) -> dict:
    card = {
        "customer": pseudonym(customer_id),
        "snapshot": "2026-11-01",
        "branch_id": "BR-A",
        "rm_id": 5001,
        "tier": "A",
        "upgrade_probability": 0.4,
        "tier_reasons": [{"feature": "aum_latest", "value": "90000", "contribution": 0.8}],
        "predicted_utilization": 0.7,
        "potential_loan_customer": True,
        "loan_reasons": [],
        "segments": [{"group": "lifestyle", "cluster": 1, "name": "young professionals"}],
        "recommendations": [{"rank": 1, "category": "mutual_fund", "score": 0.9, "reason": "often taken next"}],
        "scenario": "wealth_upgrade",
        "scenario_rule": "potential_tier in ['A', 'B']",
    }
    return {**card, **changes}


def _post_cards(url: str, cards: list[dict], headers: dict | None = None) -> requests.Response:
    body = "".join(json.dumps(card) + "\n" for card in cards)
    headers = {"Content-Type": "application/x-ndjson", **(BEARER if headers is None else headers)}
    return requests.post(f"{url}/api/customers", data=body.encode(), headers=headers, timeout=30)


def test_a_segment_publication_is_read_back_and_every_publication_is_kept(server):
    first = requests.post(f"{server.url}/api/segments/lifestyle", json=segment_payload(), headers=BEARER, timeout=30)
    assert first.status_code == 201
    assert first.json() == {"publication": 1, "group": "lifestyle", "segments": 3}
    later = segment_payload(snapshot="2026-12-01", customers=600)
    assert requests.post(f"{server.url}/api/segments/lifestyle", json=later, headers=BEARER, timeout=30).ok

    latest = requests.get(f"{server.url}/api/segments/lifestyle", timeout=30).json()
    assert latest["body"]["snapshot"] == "2026-12-01"
    assert [c["customers"] for c in latest["body"]["clusters"]] == [300, 180, 120]
    earlier = requests.get(f"{server.url}/api/segments/lifestyle?publication=1", timeout=30).json()
    assert earlier["body"] == segment_payload()
    history = requests.get(f"{server.url}/api/publications", timeout=30).json()
    assert [(p["id"], p["kind"], p["name"], p["snapshot"]) for p in history] == [
        (2, "segments", "lifestyle", "2026-12-01"),
        (1, "segments", "lifestyle", "2026-11-01"),
    ]
    page = requests.get(f"{server.url}/segments/lifestyle", timeout=30).text
    assert "segment 0 of lifestyle" in page and "?publication=1" in page


def test_a_publication_without_the_token_or_with_another_is_refused(server):
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": f"Basic {TOKEN}"}):
        response = requests.post(
            f"{server.url}/api/segments/lifestyle", json=segment_payload(), headers=headers, timeout=30
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert _post_cards(server.url, [_card(1)], headers=headers).status_code == 401
    assert requests.get(f"{server.url}/api/publications", timeout=30).json() == []


def test_a_malformed_segment_payload_is_refused_with_the_field_and_nothing_is_stored(server):
    broken = segment_payload()
    broken["clusters"][1]["share"] = 1.7
    response = requests.post(f"{server.url}/api/segments/lifestyle", json=broken, headers=BEARER, timeout=30)
    assert response.status_code == 422
    assert response.json()["detail"]["errors"] == [
        {"field": "clusters.1.share", "problem": "Input should be less than or equal to 1"}
    ]
    wrong_group = requests.post(f"{server.url}/api/segments/basic", json=segment_payload(), headers=BEARER, timeout=30)
    assert wrong_group.status_code == 422
    assert "the payload is group 'lifestyle'" in wrong_group.text
    assert requests.get(f"{server.url}/api/publications", timeout=30).json() == []
    assert requests.get(f"{server.url}/api/segments/lifestyle", timeout=30).status_code == 404


def test_what_a_publication_or_a_visitor_sends_is_shown_as_text_never_run(server):
    payload = segment_payload()
    payload["clusters"][0]["name"] = "<script>alert(1)</script>"
    assert requests.post(f"{server.url}/api/segments/lifestyle", json=payload, headers=BEARER, timeout=30).ok
    page = requests.get(f"{server.url}/segments/lifestyle", timeout=30).text
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    echoed = requests.get(f"{server.url}/customers", params={"id": '"><script>x()</script>'}, timeout=30).text
    assert "<script>" not in echoed


def test_customer_cards_are_looked_up_by_pseudonym(server):
    response = _post_cards(server.url, [_card(i, tier="B" if i % 2 else "A") for i in range(1, 11)])
    assert response.status_code == 201
    assert response.json() == {"publication": 1, "customers": 10}
    card = requests.get(f"{server.url}/api/customers/{pseudonym(3)}", timeout=30).json()
    assert card["tier"] == "B" and card["segments"][0]["name"] == "young professionals"
    page = requests.get(f"{server.url}/customers", params={"id": pseudonym(3)}, timeout=30)
    assert page.status_code == 200
    assert "potential loan customer" in page.text and "often taken next" in page.text
    assert requests.get(f"{server.url}/customers", params={"id": pseudonym(99)}, timeout=30).status_code == 404


def test_a_malformed_customer_line_refuses_the_whole_publication(server):
    cards = [_card(1), _card(2), _card(3, upgrade_probability="high")]
    response = _post_cards(server.url, cards)
    assert response.status_code == 422
    assert response.json()["detail"] == {
        "line": 3,
        "errors": [
            {
                "field": "upgrade_probability",
                "problem": "Input should be a valid number, unable to parse string as a number",
            }
        ],
        "stored": "nothing",
    }
    assert requests.get(f"{server.url}/api/customers/{pseudonym(1)}", timeout=30).status_code == 404
    as_one_document = requests.post(f"{server.url}/api/customers", json=[_card(1)], headers=BEARER, timeout=30)
    assert as_one_document.status_code == 415 and "application/x-ndjson" in as_one_document.text
    assert requests.get(f"{server.url}/api/publications", timeout=30).json() == []


def test_a_card_carrying_anything_but_a_pseudonym_is_refused(server):
    with_a_name = _post_cards(server.url, [_card(1, name="Li Wei")])
    assert with_a_name.status_code == 422
    assert with_a_name.json()["detail"]["errors"] == [{"field": "name", "problem": "Extra inputs are not permitted"}]
    raw_id = _post_cards(server.url, [_card(1, customer="110101199003074518")])
    assert raw_id.status_code == 422
    assert raw_id.json()["detail"]["errors"][0]["field"] == "customer"
    mixed = _post_cards(server.url, [_card(1), _card(2, snapshot="2026-10-01")])
    assert mixed.status_code == 422 and "one snapshot per publication" in mixed.text
    assert requests.get(f"{server.url}/api/publications", timeout=30).json() == []


def test_only_the_latest_customer_publications_keep_their_cards(tmp_path):
    with serving(tmp_path / "store.sqlite", keep_customer_publications=2) as server:
        for tier in ("A", "B", "C"):
            assert _post_cards(server.url, [_card(1, tier=tier)]).status_code == 201
        assert requests.get(f"{server.url}/api/customers/{pseudonym(1)}", timeout=30).json()["tier"] == "C"
        history = requests.get(f"{server.url}/api/publications", timeout=30).json()
        assert [p["records"] for p in history] == [1, 1, 1]  # every publication's record is kept
    import sqlite3  # noqa: PLC0415

    with sqlite3.connect(tmp_path / "store.sqlite") as connection:
        kept = connection.execute("SELECT DISTINCT publication_id FROM customers ORDER BY 1").fetchall()
    assert kept == [(2,), (3,)]
