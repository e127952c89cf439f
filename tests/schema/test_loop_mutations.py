"""The closed loop's mutations over HTTP: who may take each step, what it does to the
event and its timeline, and that a refused step changes nothing."""

from __future__ import annotations

import pytest

from hub.events import Channel
from hub.services import Services
from tests.schema.conftest import As, data, error
from tests.support.loop import S, current, handled, reaching, report_in, timeline
from tests.support.principals import GRID_A, GRID_B

FIELDS = "id status version mergedInto timeline { step status source by note }"
VERIFY = f"""mutation($id: ID!, $passed: Boolean!, $photos: [String!]) {{
  verifyEvent(id: $id, passed: $passed, note: "现场核查", photos: $photos) {{ {FIELDS} }} }}"""
RATE = f"""mutation($id: ID!, $score: Int!, $unresolved: Boolean!) {{
  rateEvent(id: $id, score: $score, comment: "回访", unresolved: $unresolved) {{ {FIELDS} }} }}"""
MERGE = f"""mutation($p: ID!, $d: [ID!]!) {{
  mergeEvents(primary: $p, duplicates: $d) {{ {FIELDS} }} }}"""
SUSPEND = f"""mutation($id: ID!) {{
  suspendEvent(id: $id, reason: "需立项改造，长期挂账") {{ {FIELDS} }} }}"""
RESUME = f"""mutation($id: ID!) {{ resumeEvent(id: $id) {{ {FIELDS} }} }}"""
RESOLVE = f"""mutation($id: ID!) {{ resolveEvent(id: $id, note: "网格员已清理") {{ {FIELDS} }} }}"""
PHONE = "13812345678"


async def test_the_grid_worker_verifies_and_a_patrol_report_closes(
    services: Services, as_: As
) -> None:
    record = await handled(services, await report_in(services, GRID_A), S.ACCEPTED, S.RESOLVED)
    photos = ["https://photos.example/after.jpg"]
    event = data(
        await as_("grid_worker")(VERIFY, id=record.id, passed=True, photos=photos), "verifyEvent"
    )
    assert event["status"] == "CLOSED"  # nobody to ask for a rating
    assert [(s["step"], s["status"], s["source"], s["by"]) for s in event["timeline"][-2:]] == [
        ("VERIFIED", "VERIFIED", "/hub/graph", "worker of A"),
        ("CLOSED", "CLOSED", "/hub/graph", "worker of A"),
    ]
    entries = await timeline(services, record.id)
    assert entries[-2].details["photos"] == photos


async def test_a_failed_verification_reopens_to_the_department(services: Services, as_: As) -> None:
    record = await handled(services, await report_in(services, GRID_A), S.ACCEPTED, S.RESOLVED)
    event = data(await as_("command")(VERIFY, id=record.id, passed=False), "verifyEvent")
    assert event["status"] == "REOPENED"
    reopened = await current(services, record.id)
    again = await handled(services, reopened, S.IN_PROGRESS, S.RESOLVED, salt=":again")
    assert again.status is S.RESOLVED


@pytest.mark.parametrize(
    ("who", "grid", "code"),
    [("grid_worker", GRID_B, "FORBIDDEN"), ("handler", GRID_A, "FORBIDDEN")],
)
async def test_others_may_not_verify_and_nothing_changes(
    services: Services, as_: As, who: str, grid: str, code: str
) -> None:
    record = await handled(services, await report_in(services, grid), S.ACCEPTED, S.RESOLVED)
    body = await as_(who)(VERIFY, id=record.id, passed=True)
    assert error(body)["code"] == code
    assert (await current(services, record.id)).version == record.version


async def test_an_illegal_step_is_invalid_transition_and_changes_nothing(
    services: Services, as_: As
) -> None:
    record = await report_in(services, GRID_A)  # routed, not resolved
    before = await timeline(services, record.id)
    body = await as_("grid_worker")(VERIFY, id=record.id, passed=True)
    assert error(body) == {
        "code": "INVALID_TRANSITION",
        "currentStatus": "ROUTED",
        "eventId": record.id,
    }
    assert body["data"] is None
    assert await timeline(services, record.id) == before
    assert (await current(services, record.id)) == record
    body = await as_("command")(RATE, id=record.id, score=5, unresolved=False)
    assert error(body)["currentStatus"] == "ROUTED"


async def test_a_hotline_report_waits_for_its_rating(services: Services, as_: As) -> None:
    record = await report_in(services, GRID_A, channel=Channel.HOTLINE, phone=PHONE)
    record = await handled(services, record, S.ACCEPTED, S.RESOLVED)
    verified = data(await as_("grid_worker")(VERIFY, id=record.id, passed=True), "verifyEvent")
    assert verified["status"] == "VERIFIED"
    closed = data(await as_("hotline")(RATE, id=record.id, score=4, unresolved=False), "rateEvent")
    assert closed["status"] == "CLOSED"
    assert [(s["step"], s["by"]) for s in closed["timeline"][-2:]] == [
        ("RATED", "12345 follow-up"),
        ("CLOSED", "12345 follow-up"),
    ]
    body = await as_("command")(RATE, id=record.id, score=1, unresolved=True)
    assert error(body) == {
        "code": "INVALID_TRANSITION",
        "currentStatus": "CLOSED",
        "eventId": record.id,
    }


async def test_a_low_rating_unresolved_reopens(services: Services, as_: As) -> None:
    record = await report_in(services, GRID_A, channel=Channel.HOTLINE, phone=PHONE)
    record = await handled(services, record, S.ACCEPTED, S.RESOLVED)
    data(await as_("command")(VERIFY, id=record.id, passed=True), "verifyEvent")
    rated = data(await as_("command")(RATE, id=record.id, score=2, unresolved=True), "rateEvent")
    assert rated["status"] == "REOPENED"
    assert rated["timeline"][-1]["step"] == "RATED"


async def test_a_photo_that_is_no_web_address_is_bad_input(services: Services, as_: As) -> None:
    record = await handled(services, await report_in(services, GRID_A), S.ACCEPTED, S.RESOLVED)
    body = await as_("grid_worker")(VERIFY, id=record.id, passed=True, photos=["ftp://x/1.jpg"])
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": "photos.0"}
    assert (await current(services, record.id)).version == record.version


@pytest.mark.parametrize("score", [0, 6])
async def test_a_score_off_the_scale_is_bad_input(services: Services, as_: As, score: int) -> None:
    record = await report_in(services, GRID_A)
    body = await as_("command")(RATE, id=record.id, score=score, unresolved=False)
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": "score"}


async def test_rating_takes_the_rate_scope(services: Services, as_: As) -> None:
    record = await report_in(services, GRID_A)
    body = await as_("grid_worker")(RATE, id=record.id, score=5, unresolved=False)
    assert error(body)["code"] == "FORBIDDEN"
    body = await as_("hotline")(VERIFY, id=record.id, passed=True)  # 回访 is no site check
    assert error(body)["code"] == "FORBIDDEN"


async def test_an_unknown_event_is_not_found(as_: As) -> None:
    body = await as_("command")(VERIFY, id="01JZZZZZZZZZZZZZZZZZZZZZZZ", passed=True)
    assert error(body)["code"] == "NOT_FOUND"


async def test_merged_duplicates_resolve_with_their_primary(services: Services, as_: As) -> None:
    primary = await report_in(services, GRID_A)
    duplicates = [await report_in(services, GRID_A) for _ in range(2)]
    ids = [d.id for d in duplicates]
    assert error(await as_("grid_worker")(MERGE, p=primary.id, d=ids))["code"] == "FORBIDDEN"
    merged = data(await as_("command")(MERGE, p=primary.id, d=ids), "mergeEvents")
    assert [(e["id"], e["status"], e["mergedInto"]) for e in merged] == [
        (primary.id, "ROUTED", None),
        *[(i, "MERGED", primary.id) for i in ids],
    ]
    await handled(services, primary, S.ACCEPTED, S.RESOLVED)
    for duplicate in ids:
        followed = await reaching(services, duplicate, S.RESOLVED)
        assert followed.merged_into == primary.id
        entry = (await timeline(services, duplicate))[-1]
        assert (entry.type.step, entry.source) == ("resolved", "/hub/ledger")


async def test_merging_a_closed_event_changes_nothing(services: Services, as_: As) -> None:
    closed = await handled(services, await report_in(services, GRID_A), S.ACCEPTED, S.RESOLVED)
    data(await as_("command")(VERIFY, id=closed.id, passed=True), "verifyEvent")
    primary = await report_in(services, GRID_A)
    body = await as_("command")(MERGE, p=primary.id, d=[closed.id])
    assert error(body) == {
        "code": "INVALID_TRANSITION",
        "currentStatus": "CLOSED",
        "eventId": closed.id,
    }
    assert (await current(services, primary.id)).version == primary.version
    body = await as_("command")(MERGE, p=primary.id, d=[primary.id])
    assert error(body)["code"] == "BAD_USER_INPUT"


async def test_a_supervisor_suspends_and_resumes(services: Services, as_: As) -> None:
    record = await handled(services, await report_in(services, GRID_A), S.ACCEPTED)
    assert error(await as_("grid_worker")(SUSPEND, id=record.id))["code"] == "FORBIDDEN"
    suspended = data(await as_("command")(SUSPEND, id=record.id), "suspendEvent")
    assert suspended["status"] == "SUSPENDED"
    assert suspended["timeline"][-1]["note"] == "需立项改造，长期挂账"
    assert error(await as_("command")(SUSPEND, id=record.id))["currentStatus"] == "SUSPENDED"
    resumed = data(await as_("command")(RESUME, id=record.id), "resumeEvent")
    assert resumed["status"] == "ACCEPTED"  # where it was
    assert error(await as_("command")(RESUME, id=record.id))["currentStatus"] == "ACCEPTED"


async def test_the_grid_worker_settles_small_matters_in_the_grid(
    services: Services, as_: As
) -> None:
    litter = await report_in(services, GRID_A, category="city.litter")  # LOW: in the grid
    assert litter.disposition is not None
    assert litter.disposition.value == "IN_GRID"
    event = data(await as_("grid_worker")(RESOLVE, id=litter.id), "resolveEvent")
    assert (event["status"], event["timeline"][-1]["by"]) == ("RESOLVED", "worker of A")
    manhole = await report_in(services, GRID_A)  # citymgmt's: not the grid's to settle
    body = await as_("grid_worker")(RESOLVE, id=manhole.id)
    assert error(body) == {
        "code": "INVALID_TRANSITION",
        "currentStatus": "ROUTED",
        "eventId": manhole.id,
        "disposition": "SINGLE",
    }
    assert error(await as_("handler")(RESOLVE, id=litter.id))["code"] == "FORBIDDEN"


LIKELY = """query($id: ID!, $m: Int!, $h: Int!) { event(id: $id) {
  likelyDuplicates(withinMetres: $m, withinHours: $h) { id gridCode } duplicates { id } } }"""


async def test_likely_duplicates_are_near_open_and_of_the_same_category(
    services: Services, as_: As
) -> None:
    event, twin = [await report_in(services, GRID_A) for _ in range(2)]
    elsewhere = await report_in(services, GRID_B)
    # Not candidates: another category, and one already resolved.
    await report_in(services, GRID_A, category="city.litter")
    await handled(services, await report_in(services, GRID_A), S.ACCEPTED, S.RESOLVED)

    found = data(await as_("command")(LIKELY, id=event.id, m=200, h=24), "event")
    assert [e["id"] for e in found["likelyDuplicates"]] == [twin.id]
    wide = data(await as_("command")(LIKELY, id=event.id, m=5000, h=24), "event")
    assert {e["id"] for e in wide["likelyDuplicates"]} == {twin.id, elsewhere.id}
    theirs = data(await as_("grid_worker")(LIKELY, id=event.id, m=5000, h=24), "event")
    assert [e["id"] for e in theirs["likelyDuplicates"]] == [twin.id]  # only their grids

    data(await as_("command")(MERGE, p=event.id, d=[twin.id]), "mergeEvents")
    merged = data(await as_("command")(LIKELY, id=event.id, m=200, h=24), "event")
    assert merged == {"likelyDuplicates": [], "duplicates": [{"id": twin.id}]}


async def test_likely_duplicates_take_sensible_bounds(services: Services, as_: As) -> None:
    event = await report_in(services, GRID_A)
    body = await as_("command")(LIKELY, id=event.id, m=0, h=24)
    assert error(body) == {
        "code": "BAD_USER_INPUT",
        "argument": "withinMetres",
    }
    body = await as_("command")(LIKELY, id=event.id, m=100, h=100_000)
    assert error(body)["argument"] == "withinHours"


@pytest.mark.parametrize("resolver", ["grid_worker", "command"])
async def test_whoever_resolved_an_event_cannot_verify_it(
    services: Services, as_: As, resolver: str
) -> None:
    litter = await report_in(services, GRID_A, category="city.litter")
    data(await as_(resolver)(RESOLVE, id=litter.id), "resolveEvent")
    refused = await as_(resolver)(VERIFY, id=litter.id, passed=True)
    assert error(refused)["code"] == "SEPARATION_OF_DUTIES"
    assert error(refused)["eventId"] == litter.id
    assert "someone else must verify" in refused["errors"][0]["message"]
    assert (await current(services, litter.id)).status is S.RESOLVED  # nothing written
    other = "command" if resolver == "grid_worker" else "grid_worker"
    checked = data(await as_(other)(VERIFY, id=litter.id, passed=True), "verifyEvent")
    assert checked["status"] == "CLOSED"  # a patrol's report: nobody to rate it
