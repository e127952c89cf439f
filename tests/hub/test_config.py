from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.config import DEFAULT_DATABASE_URL, Mode, load_settings


def test_defaults_are_the_embedded_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.mode is Mode.DEV
    assert settings.graphql.max_depth == 12


def test_nested_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_GRAPHQL__MAX_DEPTH", "7")
    monkeypatch.setenv("HUB_MODE", "production")
    settings = load_settings()
    assert settings.graphql.max_depth == 7
    assert not settings.dev


def test_the_config_file_is_named_by_hub_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("port = 9000\n", encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG", str(path))
    assert load_settings().port == 9000


def test_unknown_and_invalid_settings_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text("prot = 9000\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="prot"):
        load_settings(path)
    path.write_text("[graphql]\nmax_depth = 0\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="max_depth"):
        load_settings(path)
