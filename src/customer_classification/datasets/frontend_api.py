"""Kedro's ``api.APIDataset`` with the front end's bearer token, and customer cards streamed."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import narwhals as nw
import requests
from kedro.io import DatasetError
from kedro_datasets.api import APIDataset

TOKEN_ENV_VAR = "CC_FRONTEND_TOKEN"
ROWS_PER_CHUNK = 10_000  # rows turned into JSON lines at a time while streaming a table


class BearerToken(requests.auth.AuthBase):
    """The ``Authorization: Bearer`` header; its value is never described or logged."""

    def __init__(self, token: str):
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


class FrontendAPIDataset(APIDataset):
    """POSTs a publication to the front end (docs/frontend.md) with the publishing token.

    The token comes from the environment variable ``env_var``, else from the ``credentials``
    entry's ``token``; it is looked up when saving, so an environment that only builds the
    publications never needs it. A dict is POSTed as JSON (``api.APIDataset``'s own save); a
    table (pandas or Polars) is streamed as JSON lines (``application/x-ndjson``), one row
    per line, in a single request: the server stores all of it or, if any line is refused,
    nothing.

    Example::

        frontend_rm_types:
          type: customer_classification.datasets.FrontendAPIDataset
          url: http://127.0.0.1:8765/api/rm_types
          credentials: frontend_api    # optional; conf/<env>/credentials.yml: frontend_api: {token: ...}
    """

    def __init__(
        self,
        *,
        url: str,
        env_var: str = TOKEN_ENV_VAR,
        credentials: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        super().__init__(url=url, method="POST", save_args={"timeout": 600, **(save_args or {})}, metadata=metadata)
        self._env_var = env_var
        self._credential = (credentials or {}).get("token")

    def _token(self) -> str:
        token = os.environ.get(self._env_var) or self._credential
        if not token:
            raise DatasetError(
                f"No token to publish to {self._request_args['url']}: set the environment variable "
                f"{self._env_var} (the server's token) or 'frontend_api: {{token: ...}}' in "
                "conf/<env>/credentials.yml with 'credentials: frontend_api' on the catalog entry."
            )
        return token

    def save(self, data: Any) -> requests.Response:  # type: ignore[override]
        self._request_args["auth"] = BearerToken(self._token())
        native = nw.from_native(data, eager_only=True, pass_through=True)
        if isinstance(native, nw.DataFrame):
            return self._stream(native)
        try:
            return super().save(data)
        except DatasetError as error:
            raise DatasetError(_explained(error)) from error

    def _stream(self, table: nw.DataFrame) -> requests.Response:
        polars_table = table.to_polars()

        def lines() -> Iterator[bytes]:
            for chunk in polars_table.iter_slices(ROWS_PER_CHUNK):
                buffer = io.BytesIO()
                chunk.write_ndjson(buffer)
                yield buffer.getvalue()

        arguments = {**self._request_args, "data": lines()}
        arguments["headers"] = {**(arguments.get("headers") or {}), "Content-Type": "application/x-ndjson"}
        try:
            response = requests.request(**arguments)
            response.raise_for_status()
        except requests.exceptions.HTTPError as error:
            raise DatasetError(_explained(DatasetError("Failed to send data", error))) from error
        except OSError as error:
            raise DatasetError(f"Failed to connect to the remote server at {arguments['url']}") from error
        return response

    def _describe(self) -> dict[str, Any]:
        return {"url": self._request_args["url"], "env_var": self._env_var}


def _explained(error: DatasetError) -> str:
    """The error with what the server said (a 422 names the line and the field)."""
    cause = error.args[1] if len(error.args) > 1 else None
    response = getattr(cause, "response", None)
    if response is None:
        return str(error)
    return f"{error.args[0]}: {response.status_code} {response.reason} from {response.url}: {response.text[:2000]}"
