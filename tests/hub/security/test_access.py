"""Roles and scopes as data, masking rules, the schema's declarations, and keys."""

from __future__ import annotations

from pathlib import Path

import pytest
import strawberry
from sqlalchemy import select

from connectors.sdk.graph import PersonalDataKind, personal
from hub.core.departments import load_departments
from hub.db.engine import Database
from hub.db.security_models import ApiKeyRow
from hub.security.keys import ApiKeyStore
from hub.security.roles import RoleError, load_roles
from schema import build_schema
from schema.security import SchemaDeclarationError, SecurityPlan, mask
from tests.support.cli import ahub, point_at

DEPARTMENTS = [d.code for d in load_departments()]


def test_every_scope_the_schema_requires_is_in_the_vocabulary() -> None:
    roles = load_roles(DEPARTMENTS)
    plan = SecurityPlan.of(build_schema()._schema)
    declared = {
        scope
        for alternatives in [r.scopes for r in plan.fields.values()]
        + list(plan.type_scopes.values())
        for group in alternatives
        for scope in group
    }
    assert declared
    assert declared <= roles.vocabulary.scopes
    assert {f"pii:read:{rule.department}" for _, _, rule in plan.personal_fields()} <= (
        roles.vocabulary.scopes
    )


def test_roles_expand_their_department_and_every_department() -> None:
    roles = load_roles(DEPARTMENTS)
    handler = roles.scopes(["handler"], "health")
    assert {"dept:read:health", "pii:read:health", "events:handle:health"} <= handler
    assert not any(s.endswith(":police") for s in handler)
    command = roles.scopes(["command"])
    assert {f"dept:read:{d}" for d in DEPARTMENTS} <= command
    assert "pii:read:health" not in command  # joined health data stays with health
    assert roles.grid_scoped(["grid_worker"])
    with pytest.raises(RoleError, match="needs a department"):
        roles.check_department("handler", None)
    with pytest.raises(RoleError, match="unknown role"):
        roles.scopes(["superuser"])


def test_a_gateway_is_limited_to_two_root_fields_unless_another_role_lifts_it() -> None:
    roles = load_roles(DEPARTMENTS)
    assert roles.root_fields(["gateway"]) == frozenset({"_service", "_entities"})
    assert roles.scopes(["gateway"]) == {"grid:read", "events:read"}
    assert roles.root_fields(["public"]) is None
    assert roles.root_fields(["gateway", "public"]) is None  # roles add up, as scopes do
    assert roles.root_fields([]) is None


def test_a_role_naming_an_unknown_scope_fails_at_start(tmp_path: Path) -> None:
    roles_file = tmp_path / "roles.yaml"
    roles_file.write_text("odd:\n  title: odd\n  scopes: [grid:write]\n", encoding="utf-8")
    with pytest.raises(RoleError, match="grid:write is not in the scope vocabulary"):
        load_roles(DEPARTMENTS, roles_file=roles_file)


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        (PersonalDataKind.NAME, "张三明", "张*明"),
        (PersonalDataKind.NAME, "张三", "张*"),
        (PersonalDataKind.NAME, "欧阳娜娜", "欧**娜"),
        (PersonalDataKind.PHONE, "13812341234", "138****1234"),
        (PersonalDataKind.ID_NUMBER, "330102199001011234", "3301**********1234"),
        (PersonalDataKind.ADDRESS, "文一西路88号3幢2单元501室", "文一西路88号3幢***"),
        (PersonalDataKind.ADDRESS, "文一西路88号3幢", "文一西路88号3幢"),
        (PersonalDataKind.HEALTH, "高血压二级, 随访中", "***"),
        (PersonalDataKind.PHONE, None, None),
        (PersonalDataKind.NAME, ["李四", "王五六"], ["李*", "王*六"]),
    ],
)
def test_masking_rules(kind: PersonalDataKind, value: object, masked: object) -> None:
    assert mask(kind, value) == masked


@strawberry.type
class Inner:
    text: str


def test_personal_on_an_object_field_is_refused_at_build() -> None:
    @strawberry.type
    class Query:
        wrong: Inner = personal(PersonalDataKind.NAME, "An object cannot be masked.")

    schema = strawberry.federation.Schema(query=Query)
    with pytest.raises(SchemaDeclarationError, match=r"Query\.wrong"):
        SecurityPlan.of(schema._schema)


# -- keys and documents through the command ---------------------------------------------------


@pytest.fixture
def env(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    point_at(monkeypatch, database.url)
    return database


async def test_keys_are_created_shown_once_stored_hashed_and_revoked(env: Database) -> None:
    code, out, _ = await ahub(
        "keys", "create", "police-dispatch", "--role", "handler", "--department", "police"
    )
    assert code == 0
    key_id, secret = out.split()[2], out.splitlines()[-1]
    assert secret.startswith("ghk_")
    async with env.session() as session:
        rows = list(await session.scalars(select(ApiKeyRow)))
    assert [r.id for r in rows] == [key_id]
    assert secret not in str([vars(r) for r in rows])  # only its hash is stored
    listed = (await ahub("keys", "list"))[1]
    assert key_id in listed
    assert "active" in listed
    assert secret not in listed
    assert (await ahub("keys", "revoke", key_id))[0] == 0
    assert "revoked" in (await ahub("keys", "list"))[1]
    code, _, err = await ahub("keys", "create", "x", "--role", "handler")
    assert (code, "needs a department" in err) == (2, True)
    code, _, err = await ahub("keys", "create", "w", "--role", "grid_worker")
    assert (code, "name them" in err) == (2, True)
    verified = (await ahub("audit", "verify"))[1]
    assert verified == "audit chain intact: 2 entries, 0 checkpoints\n"  # create and revoke


async def test_the_keys_command_issues_a_gateway_key(env: Database) -> None:
    code, out, _ = await ahub("keys", "create", "supergraph", "--role", "gateway")
    assert code == 0
    roles = load_roles(DEPARTMENTS)
    key = await ApiKeyStore(env, roles).find(out.splitlines()[-1])
    assert key is not None
    assert key.roles == ("gateway",)
    assert roles.root_fields(key.roles) == frozenset({"_service", "_entities"})


async def test_documents_are_registered_by_hash(env: Database, tmp_path: Path) -> None:
    document = tmp_path / "count.graphql"
    document.write_text("query Count { grids { totalCount } }", encoding="utf-8")
    code, out, _ = await ahub("documents", "register", str(document))
    assert code == 0
    assert out.splitlines()[1].startswith("sha256:")
    again = (await ahub("documents", "register", str(document)))[1]
    assert again.startswith("already registered")
    broken = tmp_path / "broken.graphql"
    broken.write_text("query {", encoding="utf-8")
    assert (await ahub("documents", "register", str(broken)))[0] == 2
