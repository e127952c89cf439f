"""Settings: environment variables ``HUB_*`` over an optional TOML file over defaults.

Nested settings use a double underscore in the environment, as in
``HUB_GRAPHQL__MAX_DEPTH=8``; in the TOML file they are tables (``[graphql]``).
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from connectors.sdk import ConnectorsSettings
from hub.assessment import AssessmentSettings
from hub.bus import BusSettings
from hub.core.telemetry import TelemetrySettings
from hub.patrols import PatrolSettings
from hub.security.settings import SecuritySettings

CONFIG_FILE_VARIABLE = "HUB_CONFIG"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/hub.db"


class Mode(StrEnum):
    DEV = "dev"
    PRODUCTION = "production"


class GraphQLLimits(BaseModel):
    """Demand control for the graph; the defaults admit every query the UI teams write."""

    max_depth: int = Field(default=12, ge=1)
    max_tokens: int = Field(default=2000, ge=10)
    max_aliases: int = Field(default=30, ge=1)
    max_page_size: int = Field(default=100, ge=1)
    document_cache_size: int = Field(default=1024, ge=0)


class FederationSettings(BaseModel):
    """What the hub publishes to gateways: ``_service { sdl }`` and ``hub schema print``."""

    auth_directives: bool = Field(
        default=True,
        description="Publish @requiresScopes in the SDL. Off for gateways that refuse a "
        "supergraph linking a SECURITY feature they cannot enforce (Apollo Gateway); "
        "the hub enforces its scopes either way.",
    )


def _auto_is_zero(value: object) -> object:
    """``HUB_WORKERS=auto`` means what 0 does: one worker per core."""
    return 0 if isinstance(value, str) and value.strip().lower() == "auto" else value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HUB_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    mode: Mode = Mode.DEV
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # After SIGTERM, how long requests still running (a stream, a stuck caller) may take
    # before they are cut off, so the process always stops.
    shutdown_grace_seconds: int = Field(default=10, gt=0)
    # How long an idle connection stays open for its client's next request. Longer than
    # the clients' and proxies' own idle limits (httpx 5 s, nginx and cloud load
    # balancers 60 s): if the hub closed first, a request sent as it closed would fail.
    keep_alive_seconds: int = Field(default=75, gt=0)
    # Per-message deflate on WebSockets, when the client offers it: less to send to
    # screens on slow links, for zlib's state on every connection and its CPU per update.
    websocket_compression: bool = True
    # Messages smaller than this go uncompressed even so (0: compress every one): a
    # subscription's update is about 100 bytes, not worth zlib's CPU on every subscriber.
    websocket_compression_min_bytes: int = Field(default=1024, ge=0)
    # The event loop of `hub serve`, `hub demo` and `hub events run`: "auto" is uvloop
    # where it is installed (not on Windows), whose sockets and scheduling are compiled.
    event_loop: str = Field(default="auto", pattern="^(auto|asyncio|uvloop)$")
    # Processes `hub serve` runs on one port; 0 or "auto": one per core.
    workers: Annotated[int, BeforeValidator(_auto_is_zero)] = Field(default=1, ge=0, le=64)
    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|console)$")
    registry_refresh_seconds: float = Field(default=5.0, gt=0)
    graphql: GraphQLLimits = GraphQLLimits()
    federation: FederationSettings = FederationSettings()
    security: SecuritySettings = SecuritySettings()
    connectors: ConnectorsSettings = ConnectorsSettings()
    bus: BusSettings = BusSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    patrols: PatrolSettings = PatrolSettings()
    assessment: AssessmentSettings = AssessmentSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)

    @property
    def dev(self) -> bool:
        return self.mode is Mode.DEV


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Read the settings; a missing config file named explicitly is an error."""
    path = config_file or _config_file_from_environment()
    if path is None:
        return Settings(**overrides)  # type: ignore[arg-type]
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")

    class FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    return FileSettings(**overrides)  # type: ignore[arg-type]


def _config_file_from_environment() -> Path | None:
    value = os.environ.get(CONFIG_FILE_VARIABLE)
    return Path(value) if value else None
