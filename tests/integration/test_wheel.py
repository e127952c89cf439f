"""The hub as a product: its wheel, installed into a fresh virtual environment outside the
checkout, runs ``hub demo`` from an empty folder and answers a query.

Nothing comes from the checkout: the commands run in a temporary folder, with no
``PYTHONPATH``, and the test asserts that every package is the installed copy. The
dependencies come from the package index (pip's cache makes a second run quick).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hub.core.paths import PROJECT_ROOT
from tests.integration.test_serve_process import free_port
from tests.support.components import unavailable

pytestmark = pytest.mark.integration

PACKAGES = ("hub", "connectors", "schema", "contracts")
# A failed install for these reasons is the machine's, not the wheel's.
OFFLINE = ("NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution")


@dataclass(frozen=True)
class Installed:
    venv: Path
    site_packages: Path
    work: Path  # an empty working directory, outside the checkout
    env: dict[str, str]

    def bin(self, name: str) -> str:
        return str(self.venv / ("Scripts" if os.name == "nt" else "bin") / name)

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.bin(command[0]), *command[1:]],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def clean_env() -> dict[str, str]:
    """The environment without anything that points Python or the hub somewhere."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("HUB_")}
    return env | {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONSAFEPATH": "1"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    assert not root.resolve().is_relative_to(PROJECT_ROOT)
    env = clean_env()
    wheels, venv, work = root / "dist", root / "venv", root / "work"
    work.mkdir()
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), "."],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("grid_hub-*.whl")
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False
    )
    if made.returncode != 0:
        unavailable("a fresh virtual environment", made.stderr.strip()[-500:])
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if install.returncode != 0 and any(reason in install.stderr for reason in OFFLINE):
        unavailable("the package index", install.stderr.strip()[-500:])
    assert install.returncode == 0, install.stderr
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Installed(venv, Path(purelib.stdout.strip()), work, env)


def test_every_package_is_the_installed_one_with_its_data_and_py_typed(
    installed: Installed,
) -> None:
    where = installed.run(
        "python",
        "-c",
        "import json, importlib; "
        f"print(json.dumps({{p: importlib.import_module(p).__file__ for p in {PACKAGES!r}}}))",
    )
    assert where.returncode == 0, where.stderr
    for package, file in json.loads(where.stdout).items():
        folder = Path(file).parent
        assert folder == installed.site_packages / package
        assert (folder / "py.typed").is_file(), package
    site = installed.site_packages
    assert (site / "contracts" / "taxonomy" / "departments.yaml").is_file()
    assert (site / "contracts" / "upstream" / "simulator-admin.openapi.yaml").is_file()
    assert (site / "connectors" / "police" / "contract.openapi.yaml").is_file()
    assert any((site / "connectors" / "police" / "examples").glob("*.json"))
    assert (site / "hub" / "db" / "migrations" / "script.py.mako").is_file()
    assert any((site / "hub" / "db" / "migrations" / "versions").glob("*.py"))
    assert any((site / "connectors" / "sdk" / "scaffold" / "template").rglob("*.tmpl"))
    assert (site / "hub" / "http" / "static" / "console" / "operations.graphql").is_file()


def test_publishing_the_schema_writes_beside_the_work_not_into_the_install(
    installed: Installed,
) -> None:
    published = installed.site_packages / "contracts" / "graph" / "schema.graphql"
    before = published.read_text(encoding="utf-8")
    done = installed.run("hub", "schema", "print", "--publish")
    assert done.returncode == 0, done.stderr
    written = installed.work / "contracts" / "graph" / "schema.graphql"
    assert written.read_text(encoding="utf-8") == before
    assert published.read_text(encoding="utf-8") == before


def test_the_installed_demo_answers_a_query_and_stops_on_sigterm(installed: Installed) -> None:
    port = free_port()
    log = installed.work / "demo.log"
    with log.open("w", encoding="utf-8") as output:
        demo = subprocess.Popen(
            [
                installed.bin("hub"),
                "demo",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--simulator-port-base",
                "0",
            ],
            cwd=installed.work,
            env=installed.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        headers = wait_until_ready(base, demo, log)
        with httpx.Client(base_url=base, timeout=10, headers=headers) as http:
            answer = http.post("/graphql", json={"query": "{ grids(first: 1) { totalCount } }"})
        assert answer.json() == {"data": {"grids": {"totalCount": 83}}}
        console = httpx.get(f"{base}/console", timeout=10)
        assert console.status_code == 200, console.text  # its files and ECharts shipped
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"no exit 30 s after SIGTERM; its log ends:\n{log.read_text()[-3000:]}")
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    shown = log.read_text(encoding="utf-8")
    assert "generated the demo town: 600 regions" in shown
    assert "Application shutdown complete" in shown
    assert f"{base}/console#key=ghk_" in shown
    assert (installed.work / "var" / "hub.db").is_file()


def wait_until_ready(base: str, demo: subprocess.Popen[bytes], log: Path) -> dict[str, str]:
    """The headers ``hub demo`` printed (its key for this run), once ``/readyz`` is ready."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            pytest.fail(f"hub demo exited early:\n{log.read_text(encoding='utf-8')}")
        try:
            ready = httpx.get(f"{base}/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            ready = False
        if ready:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"hub demo was not ready in 120 s:\n{log.read_text(encoding='utf-8')}")
    for line in log.read_text(encoding="utf-8").splitlines():
        if '"Authorization"' in line:
            headers: dict[str, str] = json.loads(line)
            return headers
    pytest.fail(f"hub demo printed no headers:\n{log.read_text(encoding='utf-8')}")
