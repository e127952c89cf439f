"""The ``hub`` command, as an operator uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer

from hub.cli.common import run
from hub.config import FederationSettings
from hub.db import migrate
from hub.events import TaxonomyError
from schema import print_sdl
from tests.support.cli import hub


def test_upgrade_then_import_then_show(env: Path, town_file: Path) -> None:
    assert hub("db", "upgrade")[:2] == (0, f"database at revision {migrate.head_revision()}\n")
    code, out, _ = hub("grids", "import", str(town_file))
    assert code == 0
    assert out.startswith("imported 600 regions, ")
    assert out.endswith("41 party branches; registry revision 1\n")
    code, out, _ = hub("grids", "show", "330199001001001")
    assert code == 0
    assert "330199001001001" in out
    assert "(GRID)" in out
    assert "LEADER" in out
    assert "网格党支部" in out


def test_a_bad_file_is_refused_with_its_reasons_and_changes_nothing(
    env: Path, town_file: Path
) -> None:
    hub("db", "upgrade")
    town = json.loads(town_file.read_text(encoding="utf-8"))
    town["features"][5]["properties"]["parent"] = "999999"
    bad = env / "bad.geojson"
    bad.write_text(json.dumps(town), encoding="utf-8")
    code, _, err = hub("grids", "import", str(bad))
    assert code == 2
    assert "import rejected, 1 error(s)" in err
    assert "parent must be" in err
    assert hub("grids", "show", "330199001")[0] == 1


def test_a_file_that_is_not_json_is_refused(env: Path) -> None:
    hub("db", "upgrade")
    junk = env / "junk.geojson"
    junk.write_text("<kml/>", encoding="utf-8")
    code, _, err = hub("grids", "import", str(junk))
    assert code == 2
    assert "cannot read junk.geojson as JSON" in err


def test_show_names_bad_and_unknown_codes(env: Path) -> None:
    hub("db", "upgrade")
    assert hub("grids", "show", "12x")[0] == 2
    code, _, err = hub("grids", "show", "330199001")
    assert code == 1
    assert "no region 330199001" in err


def test_schema_print_is_the_graphs_sdl(env: Path) -> None:
    """What this installation serves; with only the built-in connectors installed, the
    published contract (tests/schema/test_federation.py holds the file to that)."""
    code, out, _ = hub("schema", "print")
    assert code == 0
    assert out == print_sdl()
    assert 'type Grid implements Region @key(fields: "code")' in out


def test_schema_print_needs_no_database_and_writes_a_file(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:9/nothing")
    target = env / "out" / "hub.graphql"
    code, out, err = hub("schema", "print", "--output", str(target))
    assert (code, out, err) == (0, "", f"wrote {target}\n")
    assert target.read_text(encoding="utf-8") == print_sdl()


def test_schema_print_leaves_the_authorization_directives_out_when_told(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_option = hub("schema", "print", "--no-auth-directives")[1]
    monkeypatch.setenv("HUB_FEDERATION__AUTH_DIRECTIVES", "false")
    by_setting = hub("schema", "print")[1]
    assert by_option == by_setting
    assert "@requiresScopes" not in by_setting
    assert 'import: ["@key", "@listSize"]' in by_setting
    assert hub("schema", "print", "--auth-directives")[1] == print_sdl(
        FederationSettings(auth_directives=True)
    )
    code, _, err = hub("schema", "print", "--publish")
    assert (code, "carries the authorization directives" in err) == (2, True)


def test_a_config_file_is_read_and_the_environment_wins(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = env / "hub.toml"
    config.write_text(
        f'database_url = "sqlite+aiosqlite:///{env / "from-toml.db"}"\n[graphql]\nmax_depth = 5\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("HUB_DATABASE_URL")
    assert hub("--config", str(config), "db", "upgrade")[0] == 0
    assert (env / "from-toml.db").exists()
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite+aiosqlite:///{env / 'from-env.db'}")
    assert hub("--config", str(config), "db", "upgrade")[0] == 0
    assert (env / "from-env.db").exists()


def test_a_missing_config_file_is_an_error(env: Path) -> None:
    code, _, err = hub("--config", str(env / "absent.toml"), "db", "upgrade")
    assert code == 2
    assert "config file not found" in err


def test_a_declaration_that_cannot_hold_ends_a_command_with_its_problems_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def starting() -> None:
        raise TaxonomyError("taxonomy", ["water's taxonomy.yaml: (file): not a mapping"])

    with pytest.raises(typer.Exit) as ended:
        run(starting())
    assert ended.value.exit_code == 2
    assert "water's taxonomy.yaml: (file): not a mapping" in capsys.readouterr().err
