"""Starting the server: the token from the environment or the credentials file, or a refusal saying how."""

from __future__ import annotations

import pytest

from customer_classification.frontend.__main__ import main
from customer_classification.frontend.auth import resolve_token


def test_the_token_comes_from_the_environment_before_the_credentials_file(tmp_path, monkeypatch):
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("frontend_api: {token: from-the-file}\n")
    monkeypatch.delenv("CC_FRONTEND_TOKEN", raising=False)
    assert resolve_token(credentials) == "from-the-file"
    monkeypatch.setenv("CC_FRONTEND_TOKEN", "from-the-environment")
    assert resolve_token(credentials) == "from-the-environment"


def test_the_server_will_not_start_without_a_token(tmp_path, monkeypatch):
    monkeypatch.delenv("CC_FRONTEND_TOKEN", raising=False)
    with pytest.raises(SystemExit, match="No publishing token: set the environment variable CC_FRONTEND_TOKEN"):
        main(["--db", str(tmp_path / "store.sqlite"), "--credentials", str(tmp_path / "none.yml")])
    assert not (tmp_path / "store.sqlite").exists()
