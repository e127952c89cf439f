"""Each document text parsed and validated once, however often it is sent.

Strawberry offers this as four extensions (its parser cache, its validation cache, a
token limit and added validation rules), and every operation sets each of them up
anew: their hooks cost about 13 µs an operation. Its validation cache is also keyed by
the parsed document, which graphql-core hashes node by node on every call: 22 µs for
the community dashboard's query, more for a larger one. Here one extension keeps, by
the document's text, the parsed document and what validation found in it.

The rules are graphql-core's, strawberry's two (added by its ``validate_document``),
and the hub's limits (``schema.limits``). The cache holds ``document_cache_size``
texts; a text that fails to parse is not kept, so it is parsed, and refused, each time.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql.validation import specified_rules
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from hub.config import GraphQLLimits
from schema.limits import alias_limit, depth_limit


class Documents:
    """The schema's documents by text: parsed within the token limit, then validated."""

    def __init__(self, limits: GraphQLLimits) -> None:
        self.max_tokens = limits.max_tokens
        self.rules: tuple[type[ASTValidationRule], ...] = (
            *specified_rules,
            depth_limit(limits.max_depth),
            alias_limit(limits.max_aliases),
        )
        self.parsed = lru_cache(maxsize=limits.document_cache_size)(self._parse)
        self.problems = lru_cache(maxsize=limits.document_cache_size)(self._validate)
        self.schema: GraphQLSchema | None = None

    def install(self, schema: GraphQLSchema) -> None:
        """The schema documents are validated against; call once it is built."""
        self.schema = schema

    def extension(self) -> DocumentExtension:
        return DocumentExtension(self)

    def _parse(self, text: str) -> DocumentNode:
        return parse(text, max_tokens=self.max_tokens)

    def _validate(self, text: str) -> list[GraphQLError]:
        assert self.schema is not None, "install() the documents before executing"
        return validate_document(self.schema, self.parsed(text), self.rules)


class DocumentExtension(SchemaExtension):
    """Hands strawberry the parsed document and its validation errors, so it does
    neither itself. A document given already parsed (no text) strawberry validates,
    with the same rules."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.query is not None and execution.graphql_document is None:
            execution.graphql_document = self.documents.parsed(execution.query)
        yield

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.query is not None:
            execution.pre_execution_errors = self.documents.problems(execution.query)
        else:
            execution.validation_rules = self.documents.rules
        yield
