"""The front-end application: the JSON API, the pages and the store they share."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from customer_classification.frontend import api, pages
from customer_classification.frontend.store import Store


def create_app(database: str | Path, token: str, keep_customer_publications: int = 3) -> FastAPI:
    """The application on the SQLite file ``database``; publishers must send ``token``."""
    if not token:
        raise ValueError("the publishing token is empty")
    app = FastAPI(
        title="Customer intelligence front end",
        description="Segments, tiers, potential loan customers, RM types and customer look-ups.",
    )
    app.state.store = Store(database, keep_customer_publications)
    app.state.token = token
    app.add_exception_handler(RequestValidationError, api.refuse_malformed)
    app.include_router(api.router)
    app.include_router(pages.router)
    return app
