"""What a contract says about an answer's headers and its server, for the recorder."""

from __future__ import annotations

from typing import Any

from connectors.sdk import Contract

ERROR = {"description": "an error", "headers": {"Retry-After": {"schema": {"type": "integer"}}}}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "http://first.test"}, {"url": "http://second.test"}],
    "paths": {
        "/items/{id}": {
            "get": {
                "operationId": "getItem",
                "responses": {
                    "200": {
                        "description": "one",
                        "headers": {"X-Total-Count": {}, "Link": {}},
                    },
                    "429": {"$ref": "#/components/responses/Limited"},
                    "404": {"description": "none"},
                },
            }
        }
    },
    "components": {"responses": {"Limited": ERROR}},
}


def test_the_headers_an_answer_declares_lower_cased() -> None:
    contract = Contract(DOCUMENT)
    assert contract.response_headers("getItem", 200) == {"x-total-count", "link"}


def test_a_shared_answers_headers_are_followed_through_its_reference() -> None:
    assert Contract(DOCUMENT).response_headers("getItem", 429) == {"retry-after"}


def test_an_answer_without_headers_or_undeclared_declares_none() -> None:
    contract = Contract(DOCUMENT)
    assert contract.response_headers("getItem", 404) == frozenset()
    assert contract.response_headers("getItem", 503) == frozenset()


def test_the_server_is_the_first_one_named() -> None:
    assert Contract(DOCUMENT).server_url == "http://first.test"
    assert Contract({**DOCUMENT, "servers": []}).server_url is None
    assert Contract({k: v for k, v in DOCUMENT.items() if k != "servers"}).server_url is None
