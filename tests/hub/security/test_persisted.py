"""Which text runs: APQ's hashes, documentId, and the trusted-documents policy."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.errors import (
    BadUserInputError,
    DocumentNotTrustedError,
    ErrorCode,
    PersistedQueryMismatchError,
    PersistedQueryNotFoundError,
)
from hub.db.engine import Database
from hub.security.apq import AutomaticPersistedQueries
from hub.security.documents import TrustedDocuments, document_hash
from hub.security.persisted import PersistedDocuments, with_document_id

COUNT = "query Count { grids { totalCount } }"
OTHER = "query Names { departments { name } }"


def apq(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def by_id(digest: str) -> dict[str, Any] | None:
    return with_document_id(None, f"sha256:{digest}")


@pytest.fixture
def trusted(database: Database) -> TrustedDocuments:
    return TrustedDocuments(database)


@pytest.fixture
def development(trusted: TrustedDocuments) -> PersistedDocuments:
    return PersistedDocuments(trusted, trusted_only=False)


@pytest.fixture
def production(trusted: TrustedDocuments) -> PersistedDocuments:
    return PersistedDocuments(trusted, trusted_only=True)


async def test_an_unknown_hash_answers_the_apq_protocols_miss(
    development: PersistedDocuments,
) -> None:
    digest = document_hash(COUNT)
    with pytest.raises(PersistedQueryNotFoundError) as miss:
        await development.resolve(None, apq(digest))
    assert str(miss.value) == "PersistedQueryNotFound"  # older APQ links match the message
    assert miss.value.extensions == {
        "code": ErrorCode.PERSISTED_QUERY_NOT_FOUND.value,
        "sha256Hash": digest,
    }


async def test_in_development_text_with_its_hash_registers_it_for_this_process_only(
    development: PersistedDocuments, trusted: TrustedDocuments
) -> None:
    digest = document_hash(COUNT)
    assert await development.resolve(COUNT, apq(digest.upper())) == COUNT
    assert await development.resolve(None, apq(digest)) == COUNT
    assert await development.resolve(None, by_id(digest)) == COUNT
    assert await trusted.text(digest) is None  # a client's registration is never trusted
    production = PersistedDocuments(trusted, trusted_only=True)
    with pytest.raises(PersistedQueryNotFoundError):
        await production.resolve(None, apq(digest))


async def test_text_alone_runs_in_development_without_being_remembered(
    development: PersistedDocuments,
) -> None:
    assert await development.resolve(OTHER, None) == OTHER
    assert len(development.apq) == 0
    assert await development.resolve(None, None) is None


async def test_a_hash_that_is_not_the_texts_is_refused_and_not_registered(
    development: PersistedDocuments,
) -> None:
    wrong = document_hash(OTHER)
    with pytest.raises(PersistedQueryMismatchError) as mismatch:
        await development.resolve(COUNT, apq(wrong))
    assert isinstance(mismatch.value, BadUserInputError)
    assert mismatch.value.extensions["code"] == ErrorCode.BAD_USER_INPUT.value
    with pytest.raises(PersistedQueryNotFoundError):
        await development.resolve(None, apq(wrong))


async def test_production_runs_registered_documents_by_hash_id_or_text(
    production: PersistedDocuments, trusted: TrustedDocuments
) -> None:
    digest, _ = await trusted.register(COUNT, "Count")
    assert await production.resolve(None, apq(digest)) == COUNT
    assert await production.resolve(None, by_id(digest)) == COUNT
    assert await production.resolve(COUNT, apq(digest)) == COUNT
    assert await production.resolve(COUNT, None) == COUNT


async def test_production_refuses_to_register_text_and_says_why(
    production: PersistedDocuments,
) -> None:
    digest = document_hash(OTHER)
    with pytest.raises(PersistedQueryNotFoundError):
        await production.resolve(None, apq(digest))
    for extensions in (apq(digest), None):  # APQ's retry with the text, and text alone
        with pytest.raises(DocumentNotTrustedError) as refused:
            await production.resolve(OTHER, extensions)
        assert refused.value.extensions == {"code": "DOCUMENT_NOT_TRUSTED", "sha256Hash": digest}
        assert "hub documents register" in str(refused.value)
    with pytest.raises(PersistedQueryNotFoundError):  # and nothing was remembered
        await production.resolve(None, apq(digest))


@pytest.mark.parametrize(
    ("extensions", "complaint"),
    [
        ({"persistedQuery": "abc"}, "must be an object"),
        ({"persistedQuery": {"version": 2, "sha256Hash": "a" * 64}}, "only version 1"),
        ({"persistedQuery": {"version": 1}}, "64 hexadecimal digits"),
        ({"persistedQuery": {"version": 1, "sha256Hash": "xyz"}}, "64 hexadecimal digits"),
        ({"documentId": "md5:" + "a" * 32}, '"sha256:"'),
        ({"documentId": "a" * 64}, '"sha256:"'),
        ({"documentId": "sha256:" + "A" * 64}, "lower-case"),
        ({"documentId": 12}, '"sha256:"'),
        ({"documentId": "sha256:" + "a" * 64, **apq("b" * 64)}, "different documents"),
    ],
)
async def test_malformed_names_are_bad_input(
    development: PersistedDocuments, extensions: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(BadUserInputError, match=complaint):
        await development.resolve(None, extensions)


def test_the_apq_cache_forgets_the_least_recently_used_first() -> None:
    cache = AutomaticPersistedQueries(max_documents=2, max_characters=100)
    cache.remember("a", "x" * 10)
    cache.remember("b", "y" * 10)
    assert cache.text("a") == "x" * 10  # now b is the least recently used
    cache.remember("c", "z" * 10)
    assert (cache.text("a"), cache.text("b"), cache.text("c")) == ("x" * 10, None, "z" * 10)


def test_the_apq_cache_holds_a_bounded_number_of_characters() -> None:
    cache = AutomaticPersistedQueries(max_documents=10, max_characters=25)
    cache.remember("a", "x" * 10)
    cache.remember("b", "y" * 10)
    cache.remember("c", "z" * 10)
    assert (len(cache), cache.text("a")) == (2, None)
    cache.remember("huge", "h" * 26)  # never kept, and evicts nothing
    assert (len(cache), cache.text("huge")) == (2, None)
