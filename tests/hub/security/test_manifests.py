"""Clients' persisted query manifests, read and registered with ``hub documents register``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from hub.db.engine import Database
from hub.security.documents import TrustedDocuments
from hub.security.manifests import APOLLO_FORMAT, MAP_FORMAT, ManifestError, read_manifest
from tests.support.cli import ahub, point_at

GRIDS = "query Grids {\n  grids {\n    totalCount\n    __typename\n  }\n}"
REVISION = "subscription Revision {\n  registryRevision\n}"
ANONYMOUS = "{ departments { code } }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apollo(*operations: dict[str, Any]) -> str:
    return json.dumps({"format": APOLLO_FORMAT, "version": 1, "operations": list(operations)})


def operation(
    name: str, body: str, kind: str = "query", digest: str | None = None
) -> dict[str, Any]:
    return {"id": digest or sha256(body), "name": name, "type": kind, "body": body}


def problems(text: str) -> list[str]:
    with pytest.raises(ManifestError) as refused:
        read_manifest(text, "manifest.json")
    assert str(refused.value).startswith("manifest.json: not registered")
    return refused.value.problems


def test_apollos_manifest_gives_each_operation_with_its_name() -> None:
    manifest = read_manifest(
        apollo(operation("Grids", GRIDS), operation("Revision", REVISION, "subscription")),
        "manifest.json",
    )
    assert manifest.format == APOLLO_FORMAT
    assert [(d.digest, d.name, d.body) for d in manifest.documents] == [
        (sha256(GRIDS), "Grids", GRIDS),
        (sha256(REVISION), "Revision", REVISION),
    ]


def test_a_map_from_hash_to_document_names_each_by_its_operation() -> None:
    text = json.dumps({sha256(GRIDS): GRIDS, f"sha256:{sha256(ANONYMOUS)}": ANONYMOUS})
    manifest = read_manifest(text, "persisted-documents.json")
    assert manifest.format == MAP_FORMAT
    names = [d.name for d in manifest.documents]
    assert names == ["Grids", f"sha256:{sha256(ANONYMOUS)[:12]}"]


def test_every_id_must_be_the_sha256_of_its_document() -> None:
    wrong = apollo(operation("Grids", GRIDS, digest=sha256(REVISION)), operation("R", "query {"))
    found = problems(wrong)
    assert (
        found[0]
        == f"operations[0]: the id is not the SHA-256 of its document (that is {sha256(GRIDS)})"
    )
    assert found[1].startswith("operations[1]: not a GraphQL document: Syntax Error")


@pytest.mark.parametrize(("algorithm", "length"), [(hashlib.md5, 32), (hashlib.sha1, 40)])
def test_another_algorithms_ids_say_how_to_build_with_sha256(algorithm: Any, length: int) -> None:
    digest = algorithm(GRIDS.encode()).hexdigest()
    [problem] = problems(json.dumps({digest: GRIDS}))
    assert f"a {length}-digit id looks like" in problem
    assert "hashAlgorithm 'sha256'" in problem
    assert "algorithm 'SHA256'" in problem


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "not JSON"),
        ("[]", "a JSON object"),
        ("{}", "names no documents"),
        (json.dumps({"format": "relay", "version": 1}), "unknown manifest format 'relay'"),
        (json.dumps({"format": APOLLO_FORMAT, "version": 2}), "only version 1"),
        (json.dumps({"format": APOLLO_FORMAT, "version": 1, "operations": {}}), "must be a list"),
        (apollo({"name": "Grids", "body": GRIDS}), "needs an 'id' string"),
        (json.dumps({sha256(GRIDS): 7}), "must be a string"),
    ],
)
def test_malformed_manifests_are_refused(text: str, complaint: str) -> None:
    assert complaint in problems(text)[0]


def test_a_long_list_of_problems_is_cut_short() -> None:
    many = json.dumps({f"{n:064x}": GRIDS for n in range(30)})
    with pytest.raises(ManifestError) as refused:
        read_manifest(many, "m.json")
    assert len(refused.value.problems) == 30
    assert str(refused.value).endswith("… and 10 more")


# -- through the command ------------------------------------------------------------------------


@pytest.fixture
def env(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    point_at(monkeypatch, database.url)
    return database


async def test_a_manifest_is_registered_whole_and_audited(env: Database, tmp_path: Path) -> None:
    await TrustedDocuments(env).register(GRIDS, "grids.graphql")
    file = tmp_path / "persisted-query-manifest.json"
    file.write_text(
        apollo(operation("Grids", GRIDS), operation("Revision", REVISION, "subscription")),
        encoding="utf-8",
    )
    code, out, _ = await ahub("documents", "register", str(file))
    assert code == 0
    assert out.splitlines() == [
        f"persisted-query-manifest.json ({APOLLO_FORMAT}): 1 registered, 1 already registered",
        f"sha256:{sha256(GRIDS)}  known  Grids",
        f"sha256:{sha256(REVISION)}  new  Revision",
    ]
    assert await TrustedDocuments(env).text(sha256(REVISION)) == REVISION
    listed = (await ahub("documents", "list"))[1]
    assert f"sha256:{sha256(REVISION)}  Revision" in listed
    verified = (await ahub("audit", "verify"))[1]
    assert verified.startswith("audit chain intact: 1 entries")  # the one new document


async def test_a_manifest_with_any_problem_registers_nothing(env: Database, tmp_path: Path) -> None:
    file = tmp_path / "persisted-documents.json"
    file.write_text(json.dumps({sha256(GRIDS): GRIDS, "0" * 64: REVISION}), encoding="utf-8")
    code, _, err = await ahub("documents", "register", str(file))
    assert code == 2
    assert "persisted-documents.json: not registered, 1 problem(s):" in err
    assert f"key '{'0' * 64}': the id is not the SHA-256 of its document" in err
    assert await TrustedDocuments(env).text(sha256(GRIDS)) is None
