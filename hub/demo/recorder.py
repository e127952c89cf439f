"""Record example exchanges with every installed simulator, into each connector's package.

    hub connectors record [NAME ...] [--output DIR]
    python -m hub.demo.recorder [NAME ...] [--output DIR]

For every connector that ships a simulator: each stream's first page and one of its
records by key, through the operations its contract names; then the connector's own
recording hook (writes, refusals, change feeds); then what every system answers without
credentials, over its rate limit and when down. A response keeps its content type and
the headers its contract declares for it (``X-Total-Count``, ``Link``, ``Retry-After``).

The files go to ``examples/`` beside the connector's contract (in an installed, not
editable, package: ``./<name>/examples/``), or to ``DIR/<name>/examples/``. Each
simulator runs in-process on a fixed seed and a clock of its own that stands still, so
the files change only when its simulator or contract does, whatever else is installed.
Credentials are never written (``connectors.sdk.simulation.Recorder``).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sysconfig
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from connectors.sdk import Connector, Contract, PageRequest, Stream, dig
from connectors.sdk.simulation import (
    FeatureCollection,
    ManualClock,
    NoAuth,
    Recorder,
    SimulatorSettings,
    generate_town,
)
from hub.demo.simulators import DemoSystem, DemoSystems, demo_auth, demo_systems

RECORDED_AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
PAGE_SIZE = 2  # records in a recorded first page: enough to show the shape
FALLBACK_URL = "http://simulator.test"  # for a contract that names no server
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def examples_folder(connector: type[Connector], output: Path | None = None) -> Path:
    """Where a connector's recorded examples go: beside its contract, or under ``output``;
    never into an installed (not editable) package, but under the working directory."""
    beside = Path(connector.contract_file).parent / "examples"
    if output is None and _installed(beside):
        output = Path.cwd()
    return beside if output is None else output / connector.name / "examples"


def _installed(path: Path) -> bool:
    libraries = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    return any(path.resolve().is_relative_to(Path(library).resolve()) for library in libraries)


async def record_all(output: Path | None = None, systems: DemoSystems | None = None) -> list[Path]:
    """Record every simulated system (default: the installed ones); the files written."""
    town = generate_town()
    systems = demo_systems() if systems is None else systems
    written: list[Path] = []
    for name, system in systems.items():
        folder = examples_folder(system.connector, output)
        written += await record_system(name, system, _Run(town), folder)
    return written


class _Run:
    """One system's recording: a clock of its own that stands still but for what the
    simulator itself moves, so what one system records never depends on another's."""

    def __init__(self, town: FeatureCollection) -> None:
        self.town = town
        self.clock = ManualClock(RECORDED_AT)
        self.settings = SimulatorSettings(as_of=RECORDED_AT, clock=self.clock)

    def unix_seconds(self) -> float:
        return self.clock.now().timestamp()


async def record_system(name: str, system: DemoSystem, run: _Run, folder: Path) -> list[Path]:
    """One system's exchanges into ``folder``, replacing the JSON files there."""
    _emptied(folder)
    connector = system.connector
    contract = Contract.load(Path(connector.contract_file))
    base_url = contract.server_url or FALLBACK_URL  # the host recorded links name
    auth = demo_auth(name, base_url, clock=run.unix_seconds, systems={name: system})
    app = system.simulated.create_app(run.settings, town=run.town)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url, auth=auth) as client:
        record = Recorder(client, folder, declared=_declared_headers(contract))
        for stream in connector.streams:
            await record_stream(record, contract, stream)
        if system.simulated.record is not None:
            await system.simulated.record(record)
        cheap = _cheap_path(connector, contract)
        if cheap is not None:
            await record_failures(record, cheap)
    return record.written


def _emptied(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.json"):
        stale.unlink()


def _declared_headers(contract: Contract) -> Callable[[str, str, int], Collection[str]]:
    def declared(method: str, path: str, status: int) -> Collection[str]:
        operation = contract.match(method, path)
        return contract.response_headers(operation.operation_id, status) if operation else ()

    return declared


async def record_stream(record: Recorder, contract: Contract, stream: type[Stream]) -> None:
    """The stream's first page, unfiltered, and its first record by key."""
    path = contract.operation(stream.operation).path
    first = stream.paginator.resized(PAGE_SIZE).first(PageRequest(path, dict(stream.params)))
    params = {k: v if isinstance(v, str) else ",".join(v) for k, v in first.params.items()}
    title = f"{stream.name}: a first page of {PAGE_SIZE}"
    page = await record(f"{stream.name}-list", title, "GET", first.path, params=params)
    if stream.item_operation is None or page.status_code != httpx.codes.OK:
        return
    records = dig(page.json(), stream.records_path)
    if not isinstance(records, list) or not records:
        return
    key = quote(stream.key(records[0]), safe="")
    item = _PATH_PARAMETER.sub(key, contract.operation(stream.item_operation).path)
    await record(f"{stream.name}-item", f"{stream.name}: one record by its key", "GET", item)


def _cheap_path(connector: type[Connector], contract: Contract) -> str | None:
    """The probe's path, else the first stream's list: a GET without path parameters."""
    streams = [stream.operation for stream in connector.streams]
    operation = connector.probe_operation or next(iter(streams), None)
    return contract.operation(operation).path if operation else None


async def record_failures(record: Recorder, path: str) -> None:
    """What every system answers without credentials, over its rate limit, and failing."""
    await record("unauthorized", "no credentials", "GET", path, auth=NoAuth())
    await record.admin("POST", "/_admin/faults", {"rate_limit": {"per_second": 0.001, "burst": 1}})
    await record.client.get(path)
    await record("rate-limited", "over the rate limit: 429 with Retry-After", "GET", path)
    await record.admin("POST", "/_admin/faults", {"error_rate": 1, "error_status": 503})
    await record("unavailable", "the system is down: 503", "GET", path)
    await record.admin("DELETE", "/_admin/faults")


def chosen(names: Collection[str]) -> dict[str, DemoSystem]:
    """The installed simulated systems named (all when none are); unknown names refused."""
    systems = demo_systems()
    unknown = set(names) - set(systems)
    if unknown:
        raise KeyError(f"no simulated connector named {', '.join(sorted(unknown))}")
    return {name: system for name, system in systems.items() if not names or name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="connectors to record (default: all)")
    parser.add_argument("--output", type=Path, help="default: beside each connector's contract")
    arguments = parser.parse_args()
    written = asyncio.run(record_all(arguments.output, chosen(arguments.names)))
    print(f"recorded {len(written)} exchanges")


if __name__ == "__main__":
    main()
