"""Connector settings: ``HUB_CONNECTORS__<NAME>__<FIELD>``, one table per connector.

Any connector name is accepted, built-in or third-party, and validated as
``ConnectorSettings``; ``HUB_CONNECTORS__POLICE__BASE_URL=http://…`` sets one field.
Settings change what a connector does, never the schema: a disabled connector's
fields stay in the graph and answer CONNECTOR_DISABLED.

Discovery reads ``plugin_autoload`` and ``blocked`` from the environment only
(``HUB_CONNECTORS__PLUGIN_AUTOLOAD``, ``HUB_CONNECTORS__BLOCKED``), since it shapes
the schema and happens when the schema is imported, before any settings file is read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

MAX_ANSWER_BYTES = 16 * 2**20  # a page of 500 FHIR resources is about 1.5 MB


class ConnectorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    base_url: str | None = None  # None: not configured, and so unavailable
    credentials: dict[str, SecretStr] = Field(default_factory=dict)
    timeout_seconds: float = Field(default=2.0, gt=0)  # one attempt
    budget_seconds: float = Field(default=5.0, gt=0)  # one fetch: every page and retry
    retries: int = Field(default=2, ge=0)  # extra attempts of an idempotent call
    backoff_seconds: float = Field(default=0.05, ge=0)  # first retry's wait, doubling
    cache_ttl_seconds: float = Field(default=5.0, ge=0)  # 0 turns the cache off
    cache_entries: int = Field(default=1024, ge=0)
    breaker_failures: int = Field(default=5, ge=1)  # unavailable calls in a row that open it
    breaker_reset_seconds: float = Field(default=10.0, gt=0)  # open this long, then probe
    max_pages: int = Field(default=50, ge=1)  # more than this is a pagination loop
    page_size: int | None = Field(default=None, ge=1)  # None: the stream's own
    # An answer longer than this, as sent or decoded, is refused as breaking the contract.
    max_answer_bytes: int = Field(default=MAX_ANSWER_BYTES, ge=1024)


class ConnectorsSettings(BaseModel):
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, ConnectorSettings]  # one per connector, by name

    query_budget_seconds: float = Field(default=3.0, gt=0)  # a GraphQL request's upstream time
    plugin_autoload: bool = True  # third-party connectors from the entry points
    blocked: list[str] = Field(default_factory=list)  # connector names never loaded

    def of(self, name: str) -> ConnectorSettings:
        """The settings of connector ``name``; defaults when none were given."""
        extra = self.__pydantic_extra__ or {}
        return extra.get(name, ConnectorSettings())

    @property
    def named(self) -> dict[str, ConnectorSettings]:
        return dict(self.__pydantic_extra__ or {})
