"""`cupola schema`: the JSON Schema of the scenario format validates the built-in scenarios."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cupola.cli import app


def test_schema_to_stdout_and_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Scenario"
    assert schema["additionalProperties"] is False
    assert "raid" in schema["required"]
    out = tmp_path / "scenario.schema.json"
    assert CliRunner().invoke(app, ["schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text()) == schema


def test_schema_unwritable_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schema", "--out", str(tmp_path / "no" / "x.json")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "cannot write" in result.output
