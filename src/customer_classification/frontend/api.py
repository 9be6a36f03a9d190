"""The JSON API: publishers POST with the bearer token, anyone on the network reads.

* ``POST /api/segments/{group}``: one group's segment payload (what ``api.APIDataset`` sends);
* ``POST /api/customers``: customer cards, one JSON object per line (``application/x-ndjson``),
  streamed so that a million cards need neither one huge request nor one huge document;
* ``POST /api/rm_types``: the RM types and their thresholds.

A malformed publication is answered 422, saying where and what, and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter, ValidationError

from customer_classification.frontend.auth import token_matches
from customer_classification.frontend.schemas import CustomerCard, RmTypesPayload, SegmentPayload
from customer_classification.frontend.store import RM_TYPES, SEGMENTS, PublicationInProgress, Store

BATCH = 5_000  # cards validated and inserted at a time
NDJSON = "application/x-ndjson"
_card = TypeAdapter(CustomerCard)
_bearer = HTTPBearer(auto_error=False)


def store_of(request: Request) -> Store:
    return request.app.state.store


def publisher(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    """Let through only a request that carries the publishing token."""
    if credentials is None or not token_matches(credentials.credentials, request.app.state.token):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a publication needs the header 'Authorization: Bearer <token>' with the server's token",
            headers={"WWW-Authenticate": "Bearer"},
        )


router = APIRouter(prefix="/api")


@router.get("/health")
def health() -> dict:
    return {"status": "ok"}


@router.post("/segments/{group}", status_code=201, dependencies=[Depends(publisher)])
def publish_segments(group: str, payload: SegmentPayload, store: Store = Depends(store_of)) -> dict:
    if payload.group != group:
        problem = f"the payload is group '{payload.group}' but was posted to /api/segments/{group}"
        raise HTTPException(422, {"errors": [{"field": "group", "problem": problem}], "stored": "nothing"})
    body = payload.model_dump(mode="json")
    publication = store.publish_document(SEGMENTS, group, payload.snapshot, len(payload.clusters), body)
    return {"publication": publication, "group": group, "segments": len(payload.clusters)}


@router.post("/rm_types", status_code=201, dependencies=[Depends(publisher)])
def publish_rm_types(payload: RmTypesPayload, store: Store = Depends(store_of)) -> dict:
    rms = len({row.rm_id for row in payload.rows})
    publication = store.publish_document(RM_TYPES, "", payload.snapshot, rms, payload.model_dump(mode="json"))
    return {"publication": publication, "relationship_managers": rms}


async def _lines(request: Request) -> AsyncIterator[tuple[int, bytes]]:
    """The body's non-blank lines, numbered from 1, as they arrive."""
    pending, number = b"", 0
    async for chunk in request.stream():
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            number += 1
            if line.strip():
                yield number, line
    if pending.strip():
        yield number + 1, pending


def problems(errors: list[dict], skip: int = 0) -> list[dict]:
    """Pydantic's errors as the field (dotted path, ``skip`` leading parts dropped) and the problem, no input echoed."""
    return [{"field": ".".join(map(str, e["loc"][skip:])) or "(whole)", "problem": e["msg"]} for e in errors]


async def refuse_malformed(request: Request, error: RequestValidationError) -> JSONResponse:
    """A malformed publication: 422 naming each field and its problem."""
    return JSONResponse({"detail": {"errors": problems(error.errors(), skip=1), "stored": "nothing"}}, status_code=422)


def _validated(number: int, line: bytes) -> CustomerCard:
    try:
        return _card.validate_json(line)
    except ValidationError as error:
        found = problems(error.errors(include_url=False, include_input=False))
        raise HTTPException(422, {"line": number, "errors": found, "stored": "nothing"}) from None


@router.post("/customers", status_code=201, dependencies=[Depends(publisher)])
async def publish_customers(request: Request, store: Store = Depends(store_of)) -> dict:
    if request.headers.get("content-type", "").split(";")[0].strip() != NDJSON:
        raise HTTPException(415, f"customer cards are posted as {NDJSON}: one JSON object per line")
    try:
        with store.customer_publication() as publication:
            batch = []
            async for number, line in _lines(request):
                batch.append(_validated(number, line))
                if len(batch) == BATCH:
                    publication.add(batch)
                    batch = []
            publication.add(batch)
    except PublicationInProgress as error:
        raise HTTPException(409, str(error)) from None
    except ValueError as error:
        raise HTTPException(
            422, {"errors": [{"field": "(publication)", "problem": str(error)}], "stored": "nothing"}
        ) from None
    return {"publication": publication.publication, "customers": publication.total}


@router.get("/publications")
def publications(store: Store = Depends(store_of)) -> list[dict]:
    return store.publications()


@router.get("/segments/{group}")
def segments(group: str, publication: int | None = None, store: Store = Depends(store_of)) -> dict:
    document = store.document(SEGMENTS, group, publication)
    if document is None:
        raise HTTPException(404, f"no segments published for group '{group}'")
    return document


@router.get("/customers/{pseudonym}")
def customer(pseudonym: str, store: Store = Depends(store_of)) -> dict:
    card = store.customer(pseudonym)
    if card is None:
        raise HTTPException(404, f"no customer with pseudonym '{pseudonym}' in the latest publication")
    return card
