"""The recorded exchanges in each built-in connector's examples/ hold to its contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route

from hub.demo.recorder import examples_folder, record_all
from hub.demo.simulators import demo_apps, demo_systems
from tests.support.simulators import SYSTEMS, contract

CREDENTIAL_HEADERS = {
    "authorization",
    "x-api-key",
    "x-key-id",
    "x-timestamp",
    "x-signature",
    "x-admin-token",
}
DEMO_SECRETS = (
    "police-demo-key",
    "citymgmt-demo-secret",
    "petition-demo-password",
    "health-demo-secret",
)


def examples(system: str) -> list[tuple[str, dict[str, Any]]]:
    folder = examples_folder(demo_systems()[system].connector)
    return [
        (p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.json"))
    ]


def _query_string(query: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in query.items())


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_recorded_answer_holds_to_the_contract(system: str) -> None:
    api = contract(system)
    found = examples(system)
    assert len(found) >= 12
    for name, exchange in found:
        request, response = exchange["request"], exchange["response"]
        problems = api.response_problems(
            request["method"], request["path"], response["status"], response["body"]
        )
        assert problems == [], f"{system}/{name}: {problems}"


@pytest.mark.parametrize("system", SYSTEMS)
def test_recorded_requests_that_succeeded_hold_to_the_contract(system: str) -> None:
    api = contract(system)
    for name, exchange in examples(system):
        request = exchange["request"]
        if request["body"] is None or exchange["response"]["status"] >= 400:
            continue
        if request["path"] == "/oauth/token":
            continue  # a form, recorded with the secret replaced
        problems = api.request_problems(request["method"], request["path"], request["body"])
        assert problems == [], f"{system}/{name}: {problems}"


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_operation_has_a_recorded_example(system: str) -> None:
    api = contract(system)
    covered = {
        (
            api.operation(e["request"]["method"], e["request"]["path"]).template,
            e["request"]["method"],
        )
        for _, e in examples(system)
    }
    declared = {(op.template, op.method) for op in api.operations}
    assert declared - covered == set()


@pytest.mark.parametrize("system", SYSTEMS)
def test_examples_record_no_credentials(system: str) -> None:
    for name, exchange in examples(system):
        headers = {h.lower() for h in exchange["request"]["headers"]}
        assert headers & CREDENTIAL_HEADERS == set(), name
        text = json.dumps(exchange, ensure_ascii=False)
        assert not any(secret in text for secret in DEMO_SECRETS), name


@pytest.mark.parametrize("system", SYSTEMS)
def test_errors_come_with_the_headers_the_contract_promises(system: str) -> None:
    api = contract(system)
    statuses = {}
    for name, exchange in examples(system):
        request, response = exchange["request"], exchange["response"]
        statuses[response["status"]] = name
        declared = api.response_headers(request["method"], request["path"], response["status"])
        for header in declared & {"retry-after", "location"}:
            assert header in response["headers"], f"{name} lacks {header}"
    assert {401, 429, 503} <= set(statuses)
    assert (
        int(examples_by_name(system)["rate-limited.json"]["response"]["headers"]["retry-after"])
        >= 1
    )


def examples_by_name(system: str) -> dict[str, dict[str, Any]]:
    return dict(examples(system))


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_simulator_route_is_in_the_contract_and_back(
    system: str, town_document: dict[str, Any]
) -> None:
    api = contract(system)
    app = demo_apps(town=town_document)[system]
    served = {
        (route.path, method)
        for route in app.routes
        if isinstance(route, Route) and not route.path.startswith("/_admin")
        for method in (route.methods or set()) - {"HEAD"}
    }
    declared = {(op.template, op.method) for op in api.operations}
    assert served == declared


async def test_the_recorded_examples_are_current(tmp_path: Path) -> None:
    """Recording again gives the committed files byte for byte: they are what the
    simulators answer now, and recording is deterministic."""
    systems = demo_systems()
    await record_all(tmp_path, {name: systems[name] for name in SYSTEMS})
    for system in SYSTEMS:
        fresh = {
            p.name: p.read_text(encoding="utf-8")
            for p in (tmp_path / system / "examples").glob("*.json")
        }
        committed = {
            p.name: p.read_text(encoding="utf-8")
            for p in examples_folder(systems[system].connector).glob("*.json")
        }
        assert fresh == committed, f"{system}: run hub connectors record"
