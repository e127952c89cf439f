"""Discovery through entry points, the switches that limit it, and connector settings."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest

from connectors.sdk import Connectors, discover
from connectors.sdk import registry as registry_module
from connectors.sdk.registry import DiscoveryError
from hub.config import load_settings
from tests.connectors.sdk.fake import FakeConnector
from tests.support.connectors import built_in_entry_points

BUILT_IN = ["citymgmt", "health", "petition", "police"]
THIRD_PARTY = EntryPoint("fake", "tests.connectors.sdk.fake:FakeConnector", "hub.connectors")


@pytest.fixture(autouse=True)
def fresh_discovery() -> Iterator[None]:
    registry_module._discover.cache_clear()
    yield
    registry_module._discover.cache_clear()


@pytest.fixture(autouse=True)
def the_hubs_own_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Discovery sees the hub's own entry points and those a test adds: a connector
    installed beside the hub is not one these tests know of."""
    own = built_in_entry_points()
    monkeypatch.setattr(
        registry_module, "entry_points", lambda group: own if group == "hub.connectors" else []
    )


@pytest.fixture
def with_third_party(monkeypatch: pytest.MonkeyPatch) -> None:
    own = built_in_entry_points()

    def with_fake(group: str) -> list[EntryPoint]:
        return [*own, THIRD_PARTY] if group == "hub.connectors" else []

    monkeypatch.setattr(registry_module, "entry_points", with_fake)


def names() -> list[str]:
    return [connector.name for connector in discover()]


def test_the_built_in_connectors_are_found_by_name() -> None:
    assert names() == BUILT_IN


@pytest.mark.usefixtures("with_third_party")
def test_third_party_connectors_load_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "fake" in names()
    assert FakeConnector in discover()
    registry_module._discover.cache_clear()
    monkeypatch.setenv("HUB_CONNECTORS__PLUGIN_AUTOLOAD", "false")
    assert names() == BUILT_IN


@pytest.mark.usefixtures("with_third_party")
def test_blocked_connectors_are_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_CONNECTORS__BLOCKED", "fake,police")
    assert names() == ["citymgmt", "health", "petition"]
    registry_module._discover.cache_clear()
    monkeypatch.setenv("HUB_CONNECTORS__BLOCKED", '["health"]')
    assert "health" not in names()


def test_an_entry_point_to_something_else_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = EntryPoint("water", "tests.connectors.sdk.fake:FakeConnector", "hub.connectors")
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [wrong])
    with pytest.raises(DiscoveryError, match="names connector 'fake'"):
        discover()
    registry_module._discover.cache_clear()
    not_one = EntryPoint("fake", "tests.connectors.sdk.fake:item", "hub.connectors")
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [not_one])
    with pytest.raises(DiscoveryError, match="not a Connector"):
        discover()


def test_each_connector_is_configured_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.setenv("HUB_CONNECTORS__POLICE__BASE_URL", "http://police.internal")
    monkeypatch.setenv("HUB_CONNECTORS__POLICE__CREDENTIALS__API_KEY", "k-secret")
    monkeypatch.setenv("HUB_CONNECTORS__POLICE__TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("HUB_CONNECTORS__QUERY_BUDGET_SECONDS", "1.5")
    settings = load_settings().connectors
    police = settings.of("police")
    assert police.base_url == "http://police.internal"
    assert police.timeout_seconds == 0.5
    assert settings.query_budget_seconds == 1.5
    assert "k-secret" not in repr(settings)
    assert settings.of("health").base_url is None  # defaults: not configured


async def test_connectors_report_their_state(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings().connectors.model_validate(
        {
            "police": {"base_url": "http://p.test", "credentials": {"api_key": "k"}},
            "health": {"enabled": False},
            "nosuch": {"base_url": "http://x.test"},
        }
    )
    connectors = Connectors.create(settings)
    try:
        states = {c.name: c.state.value for c in connectors}
        assert states == {
            "citymgmt": "MISCONFIGURED",
            "health": "DISABLED",
            "petition": "MISCONFIGURED",
            "police": "ENABLED",
        }
        assert "settings name no known connector" in caplog.text
    finally:
        await connectors.aclose()
