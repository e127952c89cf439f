"""Requests that name their document instead of sending it, as strawberry does not see them.

GraphQL over HTTP's persisted documents put ``documentId`` beside the usual fields (in
the JSON body, or the query string of a GET); strawberry reads only ``query``,
``variables``, ``operationName`` and ``extensions``, so the view hands the id on to the
schema as ``extensions.documentId``, where ``hub.security.persisted`` resolves it with
APQ's hashes. And a GET that names its document has no ``query`` parameter, which is
how strawberry recognises a browser asking for the GraphiQL page: it is not one.
"""

from __future__ import annotations

import json

from cross_web import AsyncHTTPRequestAdapter
from strawberry.http.base import BaseRequestProtocol

DOCUMENT_ID_PARAMETER = "documentId"


async def document_id_of(request: AsyncHTTPRequestAdapter) -> object:
    """The request's ``documentId``, whatever its type (the schema checks it); None if none."""
    if request.method == "GET":
        return request.query_params.get(DOCUMENT_ID_PARAMETER)
    try:
        body = json.loads(await request.get_body())
    except ValueError:  # not JSON: strawberry has refused it already, or it is multipart
        return None
    return body.get(DOCUMENT_ID_PARAMETER) if isinstance(body, dict) else None


def names_a_document(request: BaseRequestProtocol) -> bool:
    """A GET with a persisted query's or document's name: a request, not a page view."""
    params = request.query_params
    return DOCUMENT_ID_PARAMETER in params or "extensions" in params
