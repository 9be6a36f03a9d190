"""The publishers' bearer token: read from the environment or a credentials file, never logged."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import yaml

TOKEN_ENV_VAR = "CC_FRONTEND_TOKEN"
CREDENTIALS_ENTRY = "frontend_api"
DEFAULT_CREDENTIALS = Path("conf/local/credentials.yml")


class MissingToken(RuntimeError):
    pass


def resolve_token(credentials: Path | None = DEFAULT_CREDENTIALS, env_var: str = TOKEN_ENV_VAR) -> str:
    """The token from ``env_var``, else from ``frontend_api: {token: ...}`` in ``credentials``."""
    token = os.environ.get(env_var)
    if not token and credentials is not None and Path(credentials).is_file():
        entry = (yaml.safe_load(Path(credentials).read_text(encoding="utf-8")) or {}).get(CREDENTIALS_ENTRY) or {}
        token = entry.get("token") if isinstance(entry, dict) else None
    if not token:
        raise MissingToken(
            f"No publishing token: set the environment variable {env_var} or a "
            f"'{CREDENTIALS_ENTRY}: {{token: ...}}' entry in {credentials}. "
            'Make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    return token


def token_matches(given: str | None, expected: str) -> bool:
    """Whether ``given`` is the token, compared in constant time."""
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())
