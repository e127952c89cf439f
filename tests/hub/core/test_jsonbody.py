"""Upstream bodies decode as the standard library decodes them, and fail where it fails."""

from __future__ import annotations

import json
import math

import pytest

from hub.core.jsonbody import decode_json

ACCEPTED = [
    b'{"data": [{"id": "JQ-1", "lat": 30.1, "tags": ["\xe6\xb2\xbb\xe5\xae\x89"]}]}',
    '{"text": "枫桥"}'.encode("utf-8-sig"),  # a byte-order mark
    '{"text": "枫桥"}'.encode("utf-16"),  # another UTF encoding
    b"[Infinity, -Infinity]",
    '{"text": "枫桥"}',  # already text
]
REFUSED = [b"", b"<html>busy</html>", b'{"a": 1', b'{"a": "\xff"}', b"{'a': 1}"]


@pytest.mark.parametrize("body", ACCEPTED)
def test_what_the_standard_library_reads_decodes_alike(body: bytes | str) -> None:
    assert decode_json(body) == json.loads(body)


def test_an_integer_beyond_64_bits_is_a_float_as_in_javascript() -> None:
    assert decode_json(b"[123456789012345678901234567890, 18446744073709551615]") == [
        1.2345678901234568e29,
        18446744073709551615,
    ]


def test_nan_decodes_as_nan() -> None:
    assert math.isnan(decode_json(b"[NaN]")[0])


@pytest.mark.parametrize("body", REFUSED)
def test_what_is_not_json_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - ValueError is what callers catch
        decode_json(body)
    with pytest.raises(ValueError):  # noqa: PT011
        json.loads(body)
