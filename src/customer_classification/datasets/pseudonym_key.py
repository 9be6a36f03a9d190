"""The secret key of PII pseudonyms, read from the environment or credentials, never written."""

from __future__ import annotations

import os
from typing import Any

from kedro.io import AbstractDataset, DatasetError

DEMO_PSEUDONYM_KEY = "demo-bank-pseudonym-key-not-for-real-data"


def is_demo_key(key: object) -> bool:
    """Whether ``key`` is the public demo key, give or take surrounding blanks (a pasted newline)."""
    return isinstance(key, str) and key.strip() == DEMO_PSEUDONYM_KEY


class PseudonymKeyDataset(AbstractDataset[None, str]):
    """The secret key of PII pseudonyms, never written anywhere.

    Looked up in order: the environment variable ``env_var``, then the
    ``credentials`` entry's ``key``. The demo bank may fall back to a public demo
    key (``allow_demo_key: true``, set in ``conf/base`` only); any other
    environment must set a key or the load fails with what to do.

    Example::

        pseudonym_key:
          type: customer_classification.datasets.PseudonymKeyDataset
          env_var: CC_PSEUDONYM_KEY
          credentials: pseudonym_key     # conf/local/credentials.yml: pseudonym_key: {key: ...}
    """

    def __init__(
        self,
        *,
        env_var: str = "CC_PSEUDONYM_KEY",
        credentials: dict[str, Any] | None = None,
        allow_demo_key: bool = False,
        metadata: dict[str, Any] | None = None,
    ):
        self._env_var = env_var
        self._credential = (credentials or {}).get("key")
        self._allow_demo_key = allow_demo_key
        self.metadata = metadata

    def _configured_key(self) -> str | None:
        return os.environ.get(self._env_var) or self._credential

    @property
    def falls_back_to_demo_key(self) -> bool:
        """Whether no key is set, so that a load would fall back to the demo key (or fail)."""
        return self._configured_key() is None

    @property
    def uses_demo_key(self) -> bool:
        """Whether a load gives the public demo key: by the demo's fallback, or because the
        environment variable or the credential holds it (anyone can recompute pseudonyms under it)."""
        key = self._configured_key()
        return key is None or is_demo_key(key)

    def _describe(self) -> dict[str, Any]:
        return {"env_var": self._env_var, "allow_demo_key": self._allow_demo_key}

    def load(self) -> str:
        key = self._configured_key()
        if key:
            return key
        if self._allow_demo_key:
            return DEMO_PSEUDONYM_KEY
        raise DatasetError(
            f"No pseudonymisation key: set the environment variable {self._env_var} or a "
            "'pseudonym_key: {key: ...}' entry in conf/<env>/credentials.yml. The demo key is "
            "allowed only for the demo bank."
        )

    def save(self, data: None) -> None:
        raise DatasetError("The pseudonymisation key is read-only.")
