"""Turning POST requests' parameters into a report, without the app."""

from __future__ import annotations

import pytest

from hub.core.departments import load_departments
from hub.core.paths import TAXONOMY_FILE
from hub.events import Category, Channel, Severity, Taxonomy
from hub.open311.access import Params
from hub.open311.errors import Open311Error
from hub.open311.submit import report_of, reporter_name


@pytest.fixture(scope="module")
def litter() -> Category:
    taxonomy = Taxonomy.load(TAXONOMY_FILE, [d.code for d in load_departments()])
    category = taxonomy.get("city.litter")
    assert category is not None
    return category


@pytest.mark.parametrize(
    ("first", "last", "name"),
    [
        ("小明", "王", "王小明"),
        ("Ada", "Lovelace", "Ada Lovelace"),
        ("小明", None, "小明"),
        (None, "王", "王"),
        (None, None, None),
    ],
)
def test_reporter_names_follow_their_own_order(
    first: str | None, last: str | None, name: str | None
) -> None:
    assert reporter_name(first, last) == name


def test_a_report_from_parameters(litter: Category) -> None:
    params = Params(
        {"lat": "30.3", "long": "120.05", "phone": "13812345678", "address_string": "文一路"},
        {"severity": "high"},
    )
    report = report_of(params, litter)
    assert (report.channel, report.category, report.severity) == (
        Channel.OPEN311,
        "city.litter",
        Severity.HIGH,
    )
    assert (report.lat, report.lon, report.address) == (30.3, 120.05, "文一路")
    assert report.description == "暴露垃圾"  # the service's name when none is given
    assert (report.reporter_name, report.reporter_phone, report.photos) == (
        None,
        "13812345678",
        (),
    )


@pytest.mark.parametrize("lat", ["inf", "-inf", "1e999"])
def test_infinite_points_are_refused(litter: Category, lat: str) -> None:
    with pytest.raises(Open311Error) as refused:
        report_of(Params({"lat": lat, "long": "120"}), litter)
    assert refused.value.status == 400
