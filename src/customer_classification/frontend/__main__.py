"""``python -m customer_classification.frontend``: serve the front end (docs/frontend.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from customer_classification.frontend.auth import DEFAULT_CREDENTIALS, TOKEN_ENV_VAR, MissingToken, resolve_token

DEFAULT_DATABASE = Path("data/09_frontend/frontend.sqlite")


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m customer_classification.frontend",
        description=f"Serve the front end. Publishers need the token in {TOKEN_ENV_VAR} "
        f"(or 'frontend_api: {{token: ...}}' in the credentials file).",
    )
    parser.add_argument("--db", type=Path, default=DEFAULT_DATABASE, help="SQLite file of the publications")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--credentials", type=Path, default=DEFAULT_CREDENTIALS, help="where else to find the token")
    parser.add_argument(
        "--keep-customer-publications",
        type=int,
        default=3,
        help="customer publications whose cards are kept (every publication's record is kept)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    import uvicorn  # noqa: PLC0415 - only when serving

    from customer_classification.frontend.app import create_app  # noqa: PLC0415

    arguments = parse_arguments(argv)
    try:
        token = resolve_token(arguments.credentials)
    except MissingToken as error:
        sys.exit(str(error))
    app = create_app(arguments.db, token, arguments.keep_customer_publications)
    uvicorn.run(app, host=arguments.host, port=arguments.port)


if __name__ == "__main__":
    main()
