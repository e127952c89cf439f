"""Upstream bodies decode as the standard library decodes them, and fail where it fails;
answers encode as it encodes them, and are refused where it refuses them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from hub.core.jsonbody import decode_json, encode_json

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


ENCODED = [
    {"data": {"grid": {"name": "枫桥社区第三网格", "lat": 30.1, "count": 3, "open": None}}},
    {"x": "\u2028</script>", "big": 1e16, "negative_zero": -0.0, "whole": 1.0},
    {"beyond 64 bits": 2**64, "keys": {1: "a number as a key"}},
    [True, False, [], {}, "", 18446744073709551615],
]


@pytest.mark.parametrize("value", ENCODED)
def test_answers_encode_as_the_standard_library_encodes_them(value: object) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    assert encode_json(value) == expected


@dataclass
class Point:
    lat: float
    lon: float


@pytest.mark.parametrize(
    "value", [datetime(2026, 12, 5, tzinfo=UTC), Point(30.1, 120.0), {1, 2}, object()]
)
def test_what_the_standard_library_refuses_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        encode_json({"value": value})
