"""Content negotiation for /graphql: Accept's order and qualities against the hub's offers."""

from __future__ import annotations

import pytest

from hub.http.media import (
    EVENT_STREAM,
    GRAPHQL_OFFERS,
    GRAPHQL_RESPONSE_JSON,
    JSON,
    json_type_for,
    negotiate,
)


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),  # no Accept: the spec says assume application/json
        ("", JSON),
        ("*/*", JSON),  # a legacy client must not get a media type it may not know
        ("application/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        ("application/json;q=0.9, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0.5, application/json", JSON),
        ("application/json, application/graphql-response+json", JSON),  # equal: client's order
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, */*;q=0.1", GRAPHQL_RESPONSE_JSON),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE_JSON),  # names are case-blind
        ("application/json; charset=utf-8", JSON),
        (EVENT_STREAM, EVENT_STREAM),
        ("text/event-stream, */*;q=0.5", EVENT_STREAM),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE_JSON),  # q=0 refuses even via */*
        ("text/plain", None),
        ("application/xml, text/html", None),
        ("application/json;q=0", None),
        ("application/json;q=nonsense, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
    ],
)
def test_the_client_preference_wins(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept, GRAPHQL_OFFERS) == chosen


def test_the_most_specific_range_sets_the_quality() -> None:
    # application/json is named at 0.2; */* at 1 does not lift it.
    accept = "*/*, application/json;q=0.2"
    assert negotiate(accept, (JSON, GRAPHQL_RESPONSE_JSON)) == GRAPHQL_RESPONSE_JSON


def test_an_event_stream_is_never_reached_through_a_wildcard() -> None:
    assert negotiate("text/*", (JSON, EVENT_STREAM)) == EVENT_STREAM  # named by its type
    assert negotiate("*/*", GRAPHQL_OFFERS) != EVENT_STREAM


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("text/plain", JSON),  # an error is sent all the same, as JSON
        (EVENT_STREAM, JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
    ],
)
def test_errors_go_out_as_json_the_client_can_read(accept: str | None, chosen: str) -> None:
    assert json_type_for(accept) == chosen
