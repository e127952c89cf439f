"""Linking department connectors to the bus: each becomes its department's work-order
sink and change feed, as the connector declares them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from connectors.sdk import Connector, ConnectorState
from hub.dispatch.links import DepartmentLinks, FeedSpec
from hub.events import Channel

log = logging.getLogger(__name__)


def link_departments(links: DepartmentLinks, connectors: Iterable[Connector]) -> None:
    """Every enabled, configured connector takes its department's dispatch and feeds
    its changes back; the others leave their dispatch items on the topic, for a
    department that consumes Kafka itself."""
    for connector in connectors:
        if connector.state is not ConnectorState.ENABLED:
            log.info(
                "connector not linked to the bus",
                extra={"connector": connector.name, "state": connector.state.value},
            )
            continue
        links.add_sink(connector)
        if connector.feed_entity is not None:
            links.add_feed(feed_of(connector, connector.feed_entity))


def feed_of(connector: Connector, entity: str) -> FeedSpec:
    statuses = {
        s: life for s in connector.statuses.statuses if (life := connector.statuses.lifecycle(s))
    }
    return FeedSpec(
        feed=connector,
        department=connector.department,
        entity=entity,
        statuses=statuses,
        created_verb=connector.feed_created_verb,
        keys=connector.feed_keys,
        categories=connector.categories.inbound if connector.categories_file else None,
        reports=Channel(connector.feed_reports) if connector.feed_reports else None,
    )
