"""Which text an operation runs: persisted queries, persisted documents, and the policy.

A client names a document by the SHA-256 of its text in one of two shapes:

- automatic persisted queries (Apollo's APQ, urql's persisted exchange):
  ``"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}``, with or
  without the text in ``query``;
- GraphQL over HTTP's persisted documents: ``"documentId": "sha256:<hex>"`` (the HTTP
  view carries it here as ``extensions.documentId``).

A hash the hub does not know answers the APQ protocol's ``PersistedQueryNotFound``
(code PERSISTED_QUERY_NOT_FOUND), on which an APQ client sends the request again with
the text. What happens to that text depends on the policy:

- trusted documents only (production's default): text runs only if it is a trusted
  document; anything else is DOCUMENT_NOT_TRUSTED, and nothing is registered. The code
  is neither of the two an APQ client acts on (NOT_FOUND would ask for the text it
  just sent; PERSISTED_QUERY_NOT_SUPPORTED would make Apollo Client stop sending
  hashes for the rest of its life, though hashes of registered documents work), so
  the client hands it to the application as it is.
- otherwise (development): any text runs, and text sent with its hash is remembered
  (``hub.security.apq``), so the next request may send the hash alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hub.core.errors import (
    BadUserInputError,
    DocumentNotTrustedError,
    PersistedQueryMismatchError,
    PersistedQueryNotFoundError,
)
from hub.security.apq import AutomaticPersistedQueries
from hub.security.documents import TrustedDocuments, document_hash

DOCUMENT_ID = "documentId"  # the extension the HTTP view puts a request's documentId in
APQ_VERSION = 1
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_NOT_TRUSTED = (
    "not a trusted document: this hub runs only registered operations; "
    "register the client's persisted query manifest with `hub documents register`"
)


def with_document_id(
    extensions: dict[str, Any] | None, document_id: object
) -> dict[str, Any] | None:
    """A request's extensions with its top-level ``documentId``, if it had one."""
    if document_id is None:
        return extensions
    return {**(extensions or {}), DOCUMENT_ID: document_id}


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The SHA-256 a request names its document by, in either shape; None if neither."""
    extensions = extensions or {}
    from_apq = _apq_hash(extensions.get("persistedQuery"))
    from_id = _document_id_hash(extensions.get(DOCUMENT_ID))
    if from_apq and from_id and from_apq != from_id:
        raise BadUserInputError("documentId and persistedQuery name different documents")
    return from_apq or from_id


def _apq_hash(persisted: object) -> str | None:
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping):
        raise BadUserInputError("extensions.persistedQuery must be an object")
    if persisted.get("version") != APQ_VERSION:
        raise BadUserInputError("persistedQuery: only version 1 is supported")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest.lower()):
        raise BadUserInputError("persistedQuery.sha256Hash must be 64 hexadecimal digits")
    return digest.lower()


def _document_id_hash(document_id: object) -> str | None:
    if document_id is None:
        return None
    text = document_id if isinstance(document_id, str) else ""
    prefix, _, payload = text.partition(":")
    if prefix != "sha256" or not _SHA256_HEX.fullmatch(payload):
        raise BadUserInputError(
            'documentId must be "sha256:" and 64 lower-case hexadecimal digits',
            documentId=str(document_id)[:80],
        )
    return payload


class PersistedDocuments:
    def __init__(
        self,
        trusted: TrustedDocuments,
        *,
        trusted_only: bool,
        apq: AutomaticPersistedQueries | None = None,
    ) -> None:
        self.trusted = trusted
        self.trusted_only = trusted_only
        self.apq = apq or AutomaticPersistedQueries()

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The text to run; None when the request has neither text nor a hash."""
        digest = requested_hash(extensions)
        if query is not None:
            return await self._checked(query, digest)
        if digest is None:
            return None
        return await self._looked_up(digest)

    async def _checked(self, query: str, digest: str | None) -> str:
        if digest is not None and digest != document_hash(query):
            raise PersistedQueryMismatchError(
                "the query's text does not hash to the sha256 sent with it",
                sha256Hash=digest,
            )
        if not self.trusted_only:
            if digest is not None:
                self.apq.remember(digest, query)
            return query
        digest = digest or document_hash(query)
        if await self.trusted.text(digest) is None:
            raise DocumentNotTrustedError(_NOT_TRUSTED, sha256Hash=digest)
        return query

    async def _looked_up(self, digest: str) -> str:
        text = None if self.trusted_only else self.apq.text(digest)
        if text is None:
            text = await self.trusted.text(digest)
        if text is None:
            raise PersistedQueryNotFoundError("PersistedQueryNotFound", sha256Hash=digest)
        return text
