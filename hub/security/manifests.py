"""A client's persisted query manifest: the documents its build will send, by hash.

Two formats, told apart by their shape:

- Apollo's (``@apollo/generate-persisted-query-manifest``)::

      {"format": "apollo-persisted-query-manifest", "version": 1,
       "operations": [{"id": "<sha256>", "name": "...", "type": "query", "body": "..."}]}

- a map from hash to document (GraphQL Codegen's client preset with
  ``persistedDocuments``, Relay's ``persistConfig``, and most others)::

      {"<sha256>": "<document>", ...}      (a key may carry the "sha256:" prefix)

Every id must be the SHA-256 of its body, since that is the hash the client will send;
a file with any id that is not, or any body that is not GraphQL, is refused whole, with
every problem named. Ids of another length are most likely another algorithm's (Relay
defaults to MD5, some Codegen versions to SHA-1), and the problem says how to switch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse

from hub.security.documents import document_hash

APOLLO_FORMAT = "apollo-persisted-query-manifest"
MAP_FORMAT = "hash-to-document map"
MAX_PROBLEMS = 20  # a file built with the wrong algorithm is wrong on every line
_OTHER_ALGORITHMS = {32: "MD5", 40: "SHA-1"}
_HEX = re.compile(r"[0-9a-fA-F]+")
_SWITCH = (
    "the hub names documents by SHA-256: build the manifest with it "
    "(GraphQL Codegen: persistedDocuments.hashAlgorithm 'sha256'; "
    "Relay: persistConfig.algorithm 'SHA256')"
)


@dataclass(frozen=True, slots=True)
class ManifestDocument:
    digest: str
    name: str
    body: str


@dataclass(frozen=True, slots=True)
class Manifest:
    format: str
    documents: list[ManifestDocument]


class ManifestError(ValueError):
    """The manifest cannot be registered; the message names every problem found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        lines = [f"{source}: not registered, {len(problems)} problem(s):"]
        lines += [f"  - {problem}" for problem in shown]
        if more:
            lines.append(f"  … and {more} more")
        super().__init__("\n".join(lines))
        self.problems = problems


def read_manifest(text: str, source: str) -> Manifest:
    """The documents of a manifest file's text; ``source`` names it in problems."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(source, [f"not JSON: {error}"]) from error
    if not isinstance(data, dict):
        raise ManifestError(source, ["a manifest is a JSON object"])
    if "format" in data:
        entries, problems = _apollo_entries(data)
        fmt = APOLLO_FORMAT
    else:
        entries, problems = _map_entries(data)
        fmt = MAP_FORMAT
    documents = []
    for where, digest, name, body in entries:
        document = _checked(where, digest, name, body, problems)
        if document is not None:
            documents.append(document)
    if not documents and not problems:
        problems.append("it names no documents")
    if problems:
        raise ManifestError(source, problems)
    return Manifest(fmt, documents)


_Entry = tuple[str, str, str | None, object]  # where, id as given, name, body


def _apollo_entries(data: Mapping[str, object]) -> tuple[list[_Entry], list[str]]:
    if data.get("format") != APOLLO_FORMAT:
        return [], [f"unknown manifest format {data.get('format')!r}; expected {APOLLO_FORMAT!r}"]
    if data.get("version") != 1:
        return [], [f"{APOLLO_FORMAT} version {data.get('version')!r}: only version 1 is known"]
    operations = data.get("operations")
    if not isinstance(operations, list):
        return [], ["'operations' must be a list"]
    entries: list[_Entry] = []
    problems: list[str] = []
    for index, operation in enumerate(operations):
        where = f"operations[{index}]"
        if not isinstance(operation, dict) or not isinstance(operation.get("id"), str):
            problems.append(f"{where}: needs an 'id' string and a 'body'")
            continue
        name = operation.get("name")
        name = name if isinstance(name, str) else None
        entries.append((where, operation["id"], name, operation.get("body")))
    return entries, problems


def _map_entries(data: Mapping[str, object]) -> tuple[list[_Entry], list[str]]:
    return [(f"key {key[:80]!r}", key, None, body) for key, body in data.items()], []


def _checked(
    where: str, given: str, name: str | None, body: object, problems: list[str]
) -> ManifestDocument | None:
    if not isinstance(body, str):
        problems.append(f"{where}: the document must be a string")
        return None
    digest = given.removeprefix("sha256:")
    if _HEX.fullmatch(digest) and len(digest) in _OTHER_ALGORITHMS:
        algorithm = _OTHER_ALGORITHMS[len(digest)]
        problems.append(f"{where}: a {len(digest)}-digit id looks like {algorithm}; {_SWITCH}")
        return None
    actual = document_hash(body)
    if digest.lower() != actual:
        problems.append(f"{where}: the id is not the SHA-256 of its document (that is {actual})")
        return None
    try:
        parsed = parse(body)
    except GraphQLError as error:
        problems.append(f"{where}: not a GraphQL document: {error.message}")
        return None
    name = name or _operation_name(parsed) or f"sha256:{actual[:12]}"
    return ManifestDocument(actual, name, body)


def _operation_name(document: DocumentNode) -> str | None:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.name:
            return definition.name.value
    return None
