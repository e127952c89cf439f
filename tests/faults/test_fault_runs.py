"""CI's short fault run with real processes of its own (the long one: ``python -m
bench.faults``; both are ``bench.fault_run``): a Kafka broker and a PostgreSQL cluster
started for this test alone (never the shared ones other tests use), the four department
simulators in their own processes, and ``hub serve`` on Kafka and PostgreSQL. While
reports flow, one fault at a time: the broker killed and started again, the hub killed
and started again, PostgreSQL stopped and started again, and one department's system
answering only 500s for a while.

For each: no accepted report is lost (every one is in the ledger, routed, and holds its
department's work order), no work order is made twice (in the ledger or in the
department's own records), no answer is a 5xx but the typed, temporary 503 a database
outage gives, none is left without an answer for 10 s, reports reach their departments
at normal latency again within RECOVERS_WITHIN of the component's return, and /readyz
did not claim all was well while the broker or the database was away.

Short on purpose (the suite is near its time limit): about 2 minutes on 2 cores.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.fault_components import ComponentUnavailableError
from bench.fault_run import Plan, run_faults
from bench.fault_tally import Reading, Row, table
from tests.support.components import unavailable

pytestmark = pytest.mark.integration

FAULTS = ("kafka", "hub", "postgres", "department-failing")
PLAN = Plan(reports=200, rate=25, outage=5, department="citymgmt", settle_within=60)
RECOVERS_WITHIN = 20.0  # seconds from the component's return to normal latency


async def test_no_report_is_lost_or_doubled_through_each_fault(tmp_path: Path) -> None:
    try:
        rows = await run_faults(FAULTS, PLAN, tmp_path)
    except ComponentUnavailableError as error:
        unavailable(error.component, error.reason)
    print(f"\n{table(rows)}")
    assert [row.fault for row in rows] == list(FAULTS)
    for row in rows:
        assert row.accepted > 0, row
        counts = (row.lost, row.duplicated, row.server_errors, row.hung)
        assert counts == (0, 0, 0, 0), table([row])
        assert row.recovered_in is not None, table([row])
        assert row.recovered_in <= RECOVERS_WITHIN, table([row])
    by_fault = {row.fault: row for row in rows}
    assert any(
        r.status == 503 and r.failing.get("database") == "unreachable"
        for r in said(by_fault["postgres"])
    )
    assert any(r.status is not None and r.bus != "ok" for r in said(by_fault["kafka"]))


def said(row: Row) -> list[Reading]:
    """What readiness said during the fault: never nothing, never all plainly well."""
    assert row.readiness, f"{row.fault}: no readiness sample during the fault"
    assert not all(r.plain for r in row.readiness), table([row])
    return row.readiness
