"""Memory of an idle ``hub demo``: start it in a scratch folder, wait, read its RSS.

python -m bench.demo_footprint
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hub",
                "demo",
                "--port",
                str(port),
                "--simulator-port-base",
                "0",
            ],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            ready = time.perf_counter() - started
            time.sleep(3)
            print(f"first start (generates the town): ready in {ready:.2f} s")
            print(f"idle RSS after 3 s: {rss_mib(process.pid):.1f} MiB")
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
