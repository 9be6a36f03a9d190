"""The pages a business user reads: server-rendered HTML, no script, nothing fetched from elsewhere."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from customer_classification.frontend.api import store_of
from customer_classification.frontend.schemas import PSEUDONYM
from customer_classification.frontend.store import CUSTOMERS, RM_TYPES, SEGMENTS, Store

# every value escaped: the templates end in .j2, which Jinja's default would leave unescaped
templates = Jinja2Templates(
    env=jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
)
router = APIRouter(default_response_class=HTMLResponse)
NO_RM = "none"  # the path segment of the customers no RM serves


def _page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/")
def overview(request: Request, store: Store = Depends(store_of)):
    return _page(
        request,
        "overview.html.j2",
        groups=store.segment_groups(),
        customers=store.publications(CUSTOMERS)[:1],
        rm_types=store.publications(RM_TYPES)[:1],
        history=store.publications()[:20],
    )


@router.get("/segments")
def segment_groups(request: Request, store: Store = Depends(store_of)):
    groups = [store.document(SEGMENTS, group["name"]) for group in store.segment_groups()]
    return _page(request, "segment_groups.html.j2", groups=groups)


@router.get("/segments/{group}")
def segments(request: Request, group: str, publication: int | None = None, store: Store = Depends(store_of)):
    document = store.document(SEGMENTS, group, publication)
    if document is None:
        return _page(request, "missing.html.j2", 404, what=f"No segments have been published for group '{group}'.")
    return _page(
        request,
        "segments.html.j2",
        document=document,
        payload=document["body"],
        history=store.publications(SEGMENTS, group),
    )


def _branches(rows: list[dict]) -> tuple[list[str], list[dict]]:
    """The tiers in order and one entry per branch with its RMs: customers per tier, potential loan customers."""
    tiers = sorted({row["tier"] for row in rows if row["tier"] is not None})
    rms: dict[tuple, dict] = {}
    for row in rows:
        key = (row["branch_id"], row["rm_id"])
        entry = rms.setdefault(key, {"branch_id": key[0], "rm_id": key[1], "customers": 0, "loan": 0, "tiers": {}})
        entry["customers"] += row["customers"]
        entry["loan"] += row["potential_loan"]
        entry["tiers"][row["tier"]] = entry["tiers"].get(row["tier"], 0) + row["customers"]
    branches: dict[str | None, list[dict]] = defaultdict(list)
    for entry in rms.values():
        branches[entry["branch_id"]].append(entry)
    summary = []
    for branch_id in sorted(branches, key=lambda b: (b is None, b or "")):
        members = sorted(branches[branch_id], key=lambda e: (e["rm_id"] is None, e["rm_id"] or 0))
        totals = {"customers": sum(e["customers"] for e in members), "loan": sum(e["loan"] for e in members)}
        totals["tiers"] = {tier: sum(e["tiers"].get(tier, 0) for e in members) for tier in [*tiers, None]}
        summary.append({"branch_id": branch_id, "rms": members, **totals})
    return tiers, summary


@router.get("/branches")
def branches(request: Request, store: Store = Depends(store_of)):
    tiers, summary = _branches(store.rm_tier_counts())
    latest = store.publications(CUSTOMERS)[:1]
    return _page(request, "branches.html.j2", tiers=tiers, branches=summary, publication=latest, no_rm=NO_RM)


@router.get("/branches/rm/{rm}")
def rm_customers(request: Request, rm: str, store: Store = Depends(store_of)):
    rm_id = None if rm == NO_RM else int(rm) if rm.isdigit() else -1
    customers = store.rm_customers(rm_id)
    if not customers:
        return _page(request, "missing.html.j2", 404, what=f"No customer of relationship manager '{rm}' is published.")
    return _page(request, "rm_customers.html.j2", rm_id=rm_id, customers=customers)


@router.get("/rm-types")
def rm_types(request: Request, store: Store = Depends(store_of)):
    document = store.document(RM_TYPES)
    if document is None:
        return _page(request, "missing.html.j2", 404, what="No RM types have been published.")
    rms: dict[int, dict] = {}
    for row in document["body"]["rows"]:
        entry = rms.setdefault(row["rm_id"], {**row, "types": [], "categories": []})
        entry["categories"].append(row)
        if row["is_type"]:
            entry["types"].append(row["category"])
    ordered = sorted(rms.values(), key=lambda e: (-len(e["types"]), e["branch_id"] or "", e["rm_id"]))
    typed = Counter(category for entry in ordered for category in entry["types"])
    return _page(
        request,
        "rm_types.html.j2",
        document=document,
        rms=ordered,
        typed=typed,
        thresholds=document["body"]["thresholds"],
    )


@router.get("/customers")
def customer_lookup(request: Request, id: str | None = None, store: Store = Depends(store_of)):
    pseudonym = (id or "").strip().lower()
    card = store.customer(pseudonym) if pseudonym else None
    status_code = 404 if pseudonym and card is None else 200
    return _page(request, "customer.html.j2", status_code, pseudonym=pseudonym, card=card, pattern=PSEUDONYM)
