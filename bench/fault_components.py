"""The processes a fault run starts and takes away: a private Kafka broker and a private
PostgreSQL cluster (the project scripts, pointed at a directory of the run's own, so the
shared ones other tests use are never touched), and ``hub serve``.

Each has ``start``, the fault it suffers (``kill`` or ``stop``) and ``stop``; ``stop`` is
safe to call whatever state the process is in, so a run can always clean up after itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.gateway import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT_SECONDS = 180  # the longest a project script may take to start or stop a server
HUB_START_SECONDS = 90  # until a started hub answers /readyz with 200
HUB_STOP_SECONDS = 20  # SIGTERM, then SIGKILL


class ComponentUnavailableError(RuntimeError):
    """A component the run needs did not start: the machine lacks it (no Java, no
    PostgreSQL), not a fault of the hub's."""

    def __init__(self, component: str, reason: str) -> None:
        super().__init__(f"{component} did not start: {reason}")
        self.component = component
        self.reason = reason


class ScriptFailedError(RuntimeError):
    """A project script exited non-zero."""


def project_script(name: str, action: str, env: dict[str, str], *arguments: str) -> str:
    """``scripts/NAME ACTION ARGUMENTS`` with ``env`` over this environment: what it
    printed (for start, one line: an address or a URL). Raises ScriptFailedError with
    the end of what it said."""
    done = subprocess.run(
        [str(ROOT / "scripts" / name), action, *arguments],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=SCRIPT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise ScriptFailedError(f"scripts/{name} {action}: {done.stderr[-1500:]}")
    return done.stdout.strip()


def gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie counts: without a reaping init it lingers)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_gone(pid: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not gone(pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"process {pid} still running {within} s after SIGKILL")
        time.sleep(0.05)


@dataclass
class PrivateBroker:
    """A Kafka broker of the run's own (scripts/kafka with HUB_KAFKA_STATE): the run may
    kill it; the jars are the checkout's cached ones."""

    state: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)

    @property
    def env(self) -> dict[str, str]:
        return {
            "HUB_KAFKA_STATE": str(self.state),
            "HUB_KAFKA_PORT": str(self.port),
            "HUB_KAFKA_CONTROLLER_PORT": str(self.controller_port),
        }

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start it (again), until it accepts connections."""
        project_script("kafka", "start", self.env)

    def kill(self) -> None:
        """SIGKILL, as a crash would: no clean shutdown, no controlled leave."""
        pid = int((self.state / "kafka.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid)

    def stop(self) -> None:
        project_script("kafka", "stop", self.env)


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of the run's own (scripts/postgres with HUB_PG_STATE)."""

    state: Path
    port: int = field(default_factory=free_port)

    @property
    def env(self) -> dict[str, str]:
        return {"HUB_PG_STATE": str(self.state), "HUB_PG_PORT": str(self.port)}

    def start(self) -> str:
        """Start it (again), until it accepts connections; its SQLAlchemy URL."""
        return project_script("postgres", "start", self.env)

    def stop(self) -> None:
        """A fast shutdown (pg_ctl stop -m fast): sessions are ended, nothing is lost."""
        project_script("postgres", "stop", self.env)


class HubProcess:
    """``hub serve`` on a port of its own, restartable on the same port; its output is
    appended to ``log`` (a pipe nobody reads could fill and stop it)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        # Held while starting: a stop from another thread (a run torn down mid-start)
        # waits for the process it must stop.
        self.starting = threading.Lock()

    def start(self) -> None:
        """Start it, until ``/readyz`` says ready."""
        command = [sys.executable, "-m", "hub", "serve", "--port", str(self.port)]
        with self.starting, self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
            self._until_ready(self.process)

    def _until_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + HUB_START_SECONDS
        while not _ready(f"{self.base}/readyz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"hub serve did not become ready:\n{self.tail()}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, requests in flight cut off."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if that does not stop it in time."""
        with self.starting:
            process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=HUB_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False
