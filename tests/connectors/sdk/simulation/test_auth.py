"""The toolkit's auth schemes, checked as a department system checks its callers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest

from connectors.sdk import HmacSignatureAuth
from connectors.sdk.simulation import (
    Authenticator,
    BasicAuth,
    HmacAuth,
    ManualClock,
    OAuth2ClientCredentials,
    SimulatorSettings,
    hmac_signature,
    simulator_app,
    string_to_sign,
)
from tests.connectors.sdk.simulation.toy import Toy, ToyErrors

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def client_of(auth: Authenticator) -> Client:
    app = simulator_app(Toy(), auth=auth, style=ToyErrors(), settings=SimulatorSettings())

    def make(**options: object) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)
        return httpx.AsyncClient(transport=transport, base_url="http://toy", **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
async def oauth(clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    auth = OAuth2ClientCredentials({"hub": "s3cret"}, clock, ttl_seconds=60, scope="read")
    async with client_of(auth)() as http:
        yield http


async def token(http: httpx.AsyncClient, **form: str) -> httpx.Response:
    fields = {"grant_type": "client_credentials", "client_id": "hub", "client_secret": "s3cret"}
    return await http.post("/oauth/token", data=fields | form)


async def test_client_credentials_give_a_bearer_token_that_opens_the_api(
    oauth: httpx.AsyncClient,
) -> None:
    issued = await token(oauth)
    assert issued.status_code == 200
    assert issued.headers["Cache-Control"] == "no-store"
    body = issued.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 60, "read")
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await oauth.get("/items", headers=bearer)).status_code == 200


async def test_the_token_expires_on_the_systems_clock(
    oauth: httpx.AsyncClient, clock: ManualClock
) -> None:
    bearer = {"Authorization": f"Bearer {(await token(oauth)).json()['access_token']}"}
    clock.advance(59)
    assert (await oauth.get("/items", headers=bearer)).status_code == 200
    clock.advance(1)
    expired = await oauth.get("/items", headers=bearer)
    assert expired.status_code == 401
    assert expired.json()["error"] == "the access token expired"
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    fresh = {"Authorization": f"Bearer {(await token(oauth)).json()['access_token']}"}
    assert (await oauth.get("/items", headers=fresh)).status_code == 200


async def test_credentials_in_a_basic_header_work_at_the_token_endpoint(
    oauth: httpx.AsyncClient,
) -> None:
    response = await oauth.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=("hub", "s3cret")
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "stranger"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
async def test_the_token_endpoint_refuses_bad_requests(
    oauth: httpx.AsyncClient, form: dict[str, str], status: int, error: str
) -> None:
    response = await token(oauth, **form)
    assert (response.status_code, response.json()["error"]) == (status, error)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing bearer token"),
        ("Bearer made-up", "unknown access token"),
        ("Basic aHViOnMzY3JldA==", "missing bearer token"),
    ],
)
async def test_the_api_refuses_a_missing_or_unknown_token(
    oauth: httpx.AsyncClient, header: str | None, message: str
) -> None:
    response = await oauth.get("/items", headers={"Authorization": header} if header else {})
    assert (response.status_code, response.json()["error"]) == (401, message)


async def test_http_basic_checks_user_and_password() -> None:
    make = client_of(BasicAuth({"hub": "pw"}, realm="12345"))
    async with make(auth=("hub", "pw")) as good, make(auth=("hub", "nope")) as bad, make() as none:
        assert (await good.get("/items")).status_code == 200
        refused = await bad.get("/items")
        assert (refused.status_code, refused.json()["error"]) == (
            401,
            "wrong user name or password",
        )
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="12345", charset="UTF-8"'
        assert (await none.get("/items")).json()["error"] == "missing HTTP Basic credentials"


def signer(clock: ManualClock, secret: str = "k3y", offset: float = 0) -> HmacSignatureAuth:
    return HmacSignatureAuth("hub", secret, clock=lambda: clock.now().timestamp() + offset)


@pytest.fixture
def hmac_client(clock: ManualClock) -> Client:
    return client_of(HmacAuth({"hub": "k3y"}, clock, window_seconds=300))


async def test_a_signed_request_passes_with_its_query_and_body(
    hmac_client: Client, clock: ManualClock
) -> None:
    async with hmac_client(auth=signer(clock)) as http:
        assert (await http.get("/items", params={"a": "1,2", "b": "中"})).status_code == 200
        echoed = await http.post("/echo", content=b'{"x": 1}')
        assert (echoed.status_code, echoed.content) == (200, b'{"x": 1}')


@pytest.mark.parametrize(
    ("secret", "offset", "message"),
    [
        ("wrong", 0, "wrong signature"),
        ("k3y", 301, "X-Timestamp must be within 300 s of the server clock"),
        ("k3y", -301, "X-Timestamp must be within 300 s of the server clock"),
    ],
)
async def test_a_wrong_or_stale_signature_is_refused(
    hmac_client: Client, clock: ManualClock, secret: str, offset: float, message: str
) -> None:
    async with hmac_client(auth=signer(clock, secret, offset)) as http:
        response = await http.get("/items")
        assert (response.status_code, response.json()["error"]) == (401, message)


async def test_a_signature_covers_the_body_and_the_query(
    hmac_client: Client, clock: ManualClock
) -> None:
    timestamp = str(int(clock.now().timestamp()))
    signature = hmac_signature("k3y", "POST", "/echo", timestamp, b"original")
    headers = {"X-Key-Id": "hub", "X-Timestamp": timestamp, "X-Signature": signature}
    async with hmac_client() as http:
        assert (await http.post("/echo", content=b"original", headers=headers)).status_code == 200
        tampered = await http.post("/echo", content=b"tampered", headers=headers)
        assert tampered.status_code == 401
        moved = await http.post("/echo?x=1", content=b"original", headers=headers)
        assert moved.status_code == 401
        unsigned = await http.get("/items", headers={"X-Key-Id": "hub"})
        assert unsigned.json()["error"] == "X-Key-Id, X-Timestamp and X-Signature are required"


def test_the_string_to_sign_is_the_contracts() -> None:
    text = string_to_sign("get", "/fhir/Task?_count=2", "1790000000", b"")
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert text == f"GET\n/fhir/Task?_count=2\n1790000000\n{empty}"
