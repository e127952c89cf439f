"""``hub serve`` as a real process behind uvicorn, queried over real HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode
from websockets.typing import Subprotocol

from hub.config import Settings
from tests.support.principals import bearer

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hub_command(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def key(tmp_path: Path, env: dict[str, str]) -> str:
    """A public-view key, made with ``hub keys create`` after the town is imported."""
    return town_with_key(env, tmp_path, "public")


def town_with_key(env: dict[str, str], directory: Path, role: str) -> str:
    """Migrate, generate and import the demo town into ``env``'s database, and make a key
    with ``role`` there, as an operator would with the ``hub`` command."""
    town = str(directory / "town.geojson")
    for args in (("db", "upgrade"), ("grids", "generate", "-o", town), ("grids", "import", town)):
        done = hub_command(*args, env=env)
        assert done.returncode == 0, done.stderr
    created = hub_command("keys", "create", f"{role} test", "--role", role, env=env)
    assert created.returncode == 0, created.stderr
    return created.stdout.splitlines()[-1]


@pytest.fixture
def server(key: str, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with serving({**env, "HUB_LOG_LEVEL": "INFO"}) as running:
        yield running


@contextmanager
def serving(
    env: dict[str, str], *options: str, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``hub serve`` with ``options`` on a free port, once healthy: its address and process.
    Its output is a pipe the test reads at the end, or ``log`` (appended to) for a test
    that makes the hub log more than a pipe holds: a full pipe would stop the hub.
    Left running by the test, it gets SIGTERM (a supervisor passes that on to its
    workers, which SIGKILL would orphan) and is killed only if that does not stop it."""
    port = free_port()
    output = log.open("a", encoding="utf-8") if log else None
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", *options, "--port", str(port)],
        env=env,
        stdout=output or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()
        if output:
            output.close()


def wait_until_healthy(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"hub serve exited early:\n{process.stdout.read() if process.stdout else ''}"
            )
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("hub serve did not become healthy in 30 s")


def test_the_served_hub_answers_over_http_and_stops_cleanly(
    server: tuple[str, subprocess.Popen[str]], key: str
) -> None:
    base, process = server
    with httpx.Client(base_url=base, timeout=10, headers=bearer(key)) as http:
        anonymous = httpx.post(f"{base}/graphql", json={"query": "{ departments { code } }"})
        assert anonymous.status_code == 401
        count = http.post("/graphql", json={"query": "{ grids(first: 100) { totalCount } }"})
        assert count.json() == {"data": {"grids": {"totalCount": 83}}}
        outside = http.get(
            "/graphql", params={"query": "{ gridAt(lat: 0, lon: 0) { grid { code } } }"}
        )
        assert outside.json() == {"data": {"gridAt": None}}
        assert http.get("/readyz").json()["checks"] == {"database": "ok"}
    process.send_signal(signal.SIGINT)
    # A clean stop: shutdown completes, then uvicorn re-raises the signal, so the exit
    # status says "stopped by Ctrl-C" (130) as a shell expects.
    assert process.wait(timeout=15) in (0, 130, -signal.SIGINT)
    output = process.stdout.read() if process.stdout else ""
    assert "Application shutdown complete" in output
    assert "Traceback" not in output


def test_an_idle_connection_stays_open_for_the_keep_alive_setting(
    key: str, env: dict[str, str]
) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"
    with serving({**env, "HUB_KEEP_ALIVE_SECONDS": "2"}) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(request)
            assert answer(connection).startswith(b"HTTP/1.1 200")
            time.sleep(1)  # idle, but within the setting: the same connection answers
            connection.sendall(request)
            assert answer(connection).startswith(b"HTTP/1.1 200")
            time.sleep(3)  # idle past it: the hub has closed the connection already
            connection.settimeout(0.5)
            assert connection.recv(4096) == b""


def answer(connection: socket.socket) -> bytes:
    """One whole HTTP/1.1 response with a Content-Length, however it arrives."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(4096)
    head, _, body = received.partition(b"\r\n\r\n")
    fields = dict(line.split(b":", 1) for line in head.lower().split(b"\r\n")[1:])
    length = int(fields[b"content-length"])
    while len(body) < length:
        body += connection.recv(4096)
    return head + b"\r\n\r\n" + body


def test_the_default_keep_alive_outlasts_clients_and_proxies() -> None:
    # httpx keeps idle connections 5 s (uvicorn's own default too), nginx and cloud load
    # balancers 60 s: the hub must not close one they are about to use.
    assert Settings().keep_alive_seconds > 60


def test_serve_refuses_a_database_that_is_not_migrated(env: dict[str, str]) -> None:
    done = hub_command("serve", "--port", str(free_port()), env=env)
    assert done.returncode == 1
    assert "run `hub db upgrade`" in done.stderr


def demo_headers(process: subprocess.Popen[str]) -> tuple[str, dict[str, str]]:
    """What ``hub demo`` printed up to its GraphiQL headers (a key for this run, a purpose)."""
    assert process.stdout is not None
    seen = ""
    for line in process.stdout:
        seen += line
        if '"Authorization"' in line:
            return seen, json.loads(line)
    pytest.fail(f"hub demo printed no headers:\n{seen}")


# A community's grids with each department's records: from the simulators, over HTTP.
# All their seeded history: the demo runs in its own process on the machine's clock,
# which need not be the date these tests run as (HUB_TEST_DATE).
DEPARTMENTS_QUERY = {
    "query": """query($since: DateTime!) { region(code: "330199001001") { ... on Community {
      grids { code incidents(where: {since: $since}) { totalCount }
        cityCases(where: {since: $since}) { totalCount }
        petitions(where: {since: $since}) { totalCount }
        healthFollowUps(where: {since: $since}) { totalCount } } } } }""",
    "variables": {"since": "2000-01-01T00:00:00+08:00"},
}


def test_hub_demo_generates_the_town_and_answers(tmp_path: Path) -> None:
    """The demo: the town, and the four department simulators beside the hub."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "demo", "--port", str(port), "--simulator-port-base", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process)
        banner, headers = demo_headers(process)
        assert headers["X-Purpose"]
        with httpx.Client(base_url=base, timeout=10, headers=headers) as http:
            count = http.post("/graphql", json={"query": "{ grids(first: 100) { totalCount } }"})
            assert count.json() == {"data": {"grids": {"totalCount": 83}}}
            inside = http.post(
                "/graphql",
                json={
                    "query": "{ gridAt(lat: 30.312, lon: 120.053) "
                    "{ grid { code } microGrid { code } } }"
                },
            )
            found = inside.json()["data"]["gridAt"]
            assert found["microGrid"]["code"].startswith(found["grid"]["code"])
            leader = http.post(
                "/graphql",
                json={"query": '{ grid(code: "330199001001001") { leader { name phone } } }'},
            )
            assert "*" not in leader.json()["data"]["grid"]["leader"]["phone"]
            departments = http.post("/graphql", json=DEPARTMENTS_QUERY).json()
        assert "errors" not in departments, departments
        grids = departments["data"]["region"]["grids"]
        for field in ("incidents", "cityCases", "petitions", "healthFollowUps"):
            assert sum(grid[field]["totalCount"] for grid in grids) > 0, field
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        output = banner + (process.stdout.read() if process.stdout else "")
        assert "GraphiQL: http://127.0.0.1:" in output
        assert output.count("{ ") >= 5  # the example queries
        assert "healthFollowUps(where:" in output  # the one over the department systems
        for department in ("police", "citymgmt", "petition", "health"):
            assert f"  {department:<9} http://127.0.0.1:" in output
        assert (tmp_path / "var" / "hub.db").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.mark.parametrize(("setting", "negotiated"), [(None, True), ("false", False)])
def test_websocket_compression_is_offered_unless_turned_off(
    key: str, env: dict[str, str], setting: str | None, negotiated: bool
) -> None:
    changed = {} if setting is None else {"HUB_WEBSOCKET_COMPRESSION": setting}
    with serving({**env, **changed}) as (base, _):
        extensions = asyncio.run(websocket_extensions(base.replace("http", "ws") + "/graphql"))
    assert ("permessage-deflate" in extensions) is negotiated


async def websocket_extensions(url: str) -> str:
    """What the hub agreed to of a client's offered extensions (websockets offers deflate)."""
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        assert ws.response is not None
        return ws.response.headers.get("Sec-WebSocket-Extensions", "")


@pytest.mark.parametrize(("setting", "compressed"), [(None, False), ("0", True)])
def test_small_websocket_messages_go_uncompressed_unless_told_otherwise(
    key: str, env: dict[str, str], setting: str | None, compressed: bool
) -> None:
    changed = {} if setting is None else {"HUB_WEBSOCKET_COMPRESSION_MIN_BYTES": setting}
    with serving({**env, **changed}) as (base, _):
        url = base.replace("http", "ws") + "/graphql"
        ack, flags = asyncio.run(acknowledgement_received(url, key))
    assert ack == {"type": "connection_ack"}
    assert flags == [compressed]


async def acknowledgement_received(url: str, key: str) -> tuple[object, list[bool]]:
    """The hub's answer to connection_init, and whether each message that brought it was
    compressed (RSV1), as websockets' client-side extension saw them arrive."""
    flags: list[bool] = []
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        (deflate,) = ws.protocol.extensions
        decode = deflate.decode

        def noting(frame: Frame, *, max_size: int | None = None) -> Frame:
            if frame.opcode is Opcode.TEXT:  # not the closing handshake's frames
                flags.append(frame.rsv1)
            return decode(frame, max_size=max_size)

        deflate.decode = noting  # type: ignore[method-assign]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}
        await ws.send(json.dumps(init))
        return json.loads(await ws.recv()), flags


@pytest.mark.parametrize(("setting", "chosen"), [(None, "uvloop"), ("asyncio", "asyncio")])
def test_serve_runs_on_uvloop_unless_told_otherwise(
    key: str, env: dict[str, str], setting: str | None, chosen: str
) -> None:
    changed = {} if setting is None else {"HUB_EVENT_LOOP": setting}
    with serving({**env, **changed, "HUB_LOG_LEVEL": "INFO"}) as (_, process):
        process.terminate()
        process.wait(timeout=20)
        output = process.stdout.read() if process.stdout else ""
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    loops = [r["event_loop"] for r in records if r.get("message") == "event loop chosen"]
    assert loops == [chosen]
