"""JWTs validated against a real JWKS server: every bad token is refused, and says why."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette

from hub.app import create_app
from hub.config import Settings
from hub.security.settings import IssuerSettings, SecuritySettings
from tests.conftest import running
from tests.support.identity import IdentityProvider, identity_provider, issuer_settings
from tests.support.principals import GRID_A, GRID_B

LEADER = "{ grid(code: $code) { code leader { phone } } }"
QUERY = "query($code: String!) " + LEADER


@pytest.fixture
async def provider() -> AsyncIterator[IdentityProvider]:
    async with identity_provider() as running:
        yield running


@pytest.fixture
async def app(town_settings: Settings, provider: IdentityProvider) -> AsyncIterator[Starlette]:
    security = SecuritySettings(
        issuers=[IssuerSettings(**issuer_settings(provider))], jwks_min_refetch_seconds=0
    )
    async with running(town_settings.model_copy(update={"security": security})) as application:
        yield application


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client


async def ask(http: httpx.AsyncClient, token: str, code: str = GRID_A) -> httpx.Response:
    return await http.post(
        "/graphql",
        json={"query": QUERY, "variables": {"code": code}},
        headers={"Authorization": f"Bearer {token}", "X-Purpose": "patrol"},
    )


async def test_a_valid_user_token_gets_its_roles_scopes(
    http: httpx.AsyncClient, provider: IdentityProvider
) -> None:
    public = await ask(http, provider.token(roles=["public"]))
    assert public.status_code == 200
    assert "*" in public.json()["data"]["grid"]["leader"]["phone"]
    command = await ask(http, provider.token(roles=["command"], name="王指挥"))
    assert "*" not in command.json()["data"]["grid"]["leader"]["phone"]


async def test_a_grid_workers_token_names_their_grids(
    http: httpx.AsyncClient, provider: IdentityProvider
) -> None:
    token = provider.token(roles=["grid_worker"], grids=[GRID_A])
    own = await ask(http, token, GRID_A)
    assert own.json()["data"]["grid"]["code"] == GRID_A
    other = await ask(http, token, GRID_B)
    assert other.json()["data"]["grid"] is None
    nameless = await ask(http, provider.token(roles=["grid_worker"]))
    assert nameless.status_code == 401
    assert "must name their grids" in nameless.json()["errors"][0]["message"]


def now() -> int:
    return int(time.time())


def _from_now(claims: dict[str, Any]) -> dict[str, Any]:
    """Time claims given as offsets, made absolute when the test runs (not when the
    module is collected, which may be minutes earlier)."""
    timed = {"exp", "iat", "nbf"}
    return {k: now() + v if k in timed and isinstance(v, int) else v for k, v in claims.items()}


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": -60, "iat": -600}, "token expired"),  # times: seconds from the test's start
        ({"aud": "another-app"}, "token audience is not this hub"),
        ({"nbf": 600}, "token not yet valid"),
        ({"iss": "https://evil.example"}, "token issuer not accepted"),
        ({"exp": None}, "token lacks a required claim"),
    ],
)
async def test_a_bad_token_is_refused_with_its_reason(
    http: httpx.AsyncClient, provider: IdentityProvider, claims: dict[str, Any], reason: str
) -> None:
    response = await ask(http, provider.token(roles=["command"], **_from_now(claims)))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}


async def test_a_token_signed_by_another_key_is_refused(
    http: httpx.AsyncClient, provider: IdentityProvider
) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = await ask(http, provider.token(key=forger, roles=["command"]))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "token signature invalid"


@pytest.mark.parametrize("algorithm", ["HS256", "none"])
async def test_shared_secret_and_unsigned_tokens_are_refused(
    http: httpx.AsyncClient, provider: IdentityProvider, algorithm: str
) -> None:
    claims: dict[str, Any] = {"iss": provider.issuer, "aud": "grid-hub", "sub": "x"}
    claims |= {"roles": ["command"], "iat": now(), "exp": now() + 60}
    key = "a-guessed-secret-that-is-long-enough-for-hmac" if algorithm == "HS256" else ""
    token = jwt.encode(claims, key, algorithm=algorithm, headers={"kid": provider.kid})
    response = await ask(http, token)
    assert response.status_code == 401
    reason = response.json()["errors"][0]["extensions"]["reason"]
    assert reason == f"token algorithm {algorithm} not allowed"


async def test_garbage_is_a_malformed_token(http: httpx.AsyncClient) -> None:
    response = await ask(http, "not.a.jwt")
    assert response.json()["errors"][0]["extensions"]["reason"] == "malformed token"


async def test_a_rotated_key_is_fetched_when_first_seen(
    http: httpx.AsyncClient, provider: IdentityProvider
) -> None:
    assert (await ask(http, provider.token(roles=["public"]))).status_code == 200
    fetched = provider.fetches
    provider.rotate()
    response = await ask(http, provider.token(roles=["public"]))
    assert response.status_code == 200
    assert provider.fetches == fetched + 1
    for _ in range(3):  # cached: no more fetches for known keys
        await ask(http, provider.token(roles=["public"]))
    assert provider.fetches == fetched + 1


async def test_readiness_fails_closed_when_the_issuer_is_unreachable(
    town_settings: Settings,
) -> None:
    unreachable = IssuerSettings(
        issuer="https://idp.invalid", audience="grid-hub", jwks_url="http://127.0.0.1:9/jwks"
    )
    settings = town_settings.model_copy(
        update={"security": SecuritySettings(issuers=[unreachable])}
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client,
    ):
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["jwks https://idp.invalid"] == "unreachable"
