"""How fast the four department simulators answer over loopback HTTP.

For each system, one typical read — a page of 100 records for a whole community's
department grids, with the demo's credentials (the health one signed, the city one
with a bearer token) — repeated --requests times one after another: p50, p99 and
requests a second. This is the floor under every connector figure.

    python -m bench.simulators [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from connectors.sdk.simulation import generate_town, serve
from hub.demo.simulators import demo_apps, demo_auth

READS = {
    "police": ("/api/v1/incidents", {"grid": "JG-YX-01,JG-YX-06,JG-YX-07,JG-YX-13", "size": "100"}),
    "citymgmt": (
        "/api/v2/cases",
        {"grid_code": ",".join(f"3301990010{n}" for n in range(1001, 1041)), "limit": "100"},
    ),
    "petition": ("/api/v1/workorders", {"community": "枫桥社区", "limit": "100"}),
    "health": ("/fhir/Task", {"service-area": "YXWS-01,YXWS-02", "_count": "100"}),
}


async def _measure(system: str, url: str, count: int) -> list[float]:
    path, params = READS[system]
    async with httpx.AsyncClient(base_url=url, auth=demo_auth(system, url)) as http:
        (await http.get(path, params=params)).raise_for_status()  # warm: token, connection
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            response = await http.get(path, params=params)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
    return latencies


async def main(count: int) -> None:
    async with serve(demo_apps(town=generate_town())) as urls:
        for system, url in urls.items():
            if system not in READS:  # a connector installed beside the four built in
                print(f"{system:<9} not measured: no typical read is written here for it")
                continue
            latencies = sorted(await _measure(system, url, count))
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
            rate = len(latencies) / sum(latencies)
            print(f"{system:<9} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   {rate:6.0f} requests/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(main(parser.parse_args().requests))
