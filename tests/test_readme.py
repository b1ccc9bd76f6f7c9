"""The README's examples, run: the summary table it shows, its Python snippet, its error line,
its DuckDB queries."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cupola.campaign import Sweep, parse_vary, run_sweep
from cupola.cli import _SHOWN, app
from cupola.output.runfolder import write_run
from cupola.scenario.load import _read_builtin
from cupola.sim.engine import RunResult
from cupola.sim.summary import summarize

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _block_after(marker: str, lang: str) -> str:
    start = README.index(marker)
    match = re.search(rf"```{lang}\n(.*?)```", README[start:], re.S)
    assert match, f"no ```{lang} block after {marker!r}"
    return match.group(1)


def test_readme_summary_table_is_what_border_town_gives(
    run_builtin: Callable[[str, int], RunResult],
) -> None:
    summary = summarize(run_builtin("border-town", 1))
    table = _block_after("`cupola run border-town --seed 1` prints:", "text")
    rows = {k.strip(): v for k, v in re.findall(r"│ (.+?)\s+│\s+([\d,]+) │", table)}
    assert len(rows) == len(_SHOWN)
    for key, label in _SHOWN:
        assert int(rows[label.strip()].replace(",", "")) == round(summary[key]), label
    # The prose under the table.
    assert summary["engaged_not_threatening"] == 0
    assert summary["threatening"] == 46
    assert summary["engaged_threatening"] == 44
    assert summary["intercepted"] == summary["intercepted_threatening"] == 41
    assert summary["interceptors_fired"] - summary["engaged"] == 1
    assert summary["hits_on_defended_assets"] == 5


def test_readme_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code = _block_after("From Python:", "python")
    exec(compile(code, "README.md", "exec"), {})
    assert "threatening rockets intercepted" in capsys.readouterr().out


def test_readme_error_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = yaml.safe_load(_read_builtin("border-town"))
    data["raid"]["salvos"][0]["count"] = 0
    (tmp_path / "my.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["validate", "my.yaml"])
    assert result.exit_code == 2
    shown = _block_after("A mistake gets one line", "text").splitlines()[1]
    assert result.output.strip() == shown.strip()


def test_readme_city_saturation_claim(run_builtin: Callable[[str, int], RunResult]) -> None:
    s = summarize(run_builtin("city-mixed-raid", 1))
    assert "about 30 % of the rockets bound for defended assets get" in README
    assert 0.25 <= s["leaked"] / s["threatening"] <= 0.35
    assert s["interceptors_fired"] == 120


def test_readme_threshold_table_is_the_benchmarks_output() -> None:
    """The engage-threshold table in the README has the benchmark's header and thresholds."""
    import benchmarks.bench_threshold as bench

    assert "| threshold | engaged | ignored |" in README
    for t in bench.THRESHOLDS:
        assert f"\n| {t:g} | " in README


def test_readme_duckdb_queries_run(border_town_run: RunResult, tmp_path: Path) -> None:
    """Every DuckDB one-liner of the README runs on a border-town run folder and prints a
    table."""
    write_run(border_town_run, summarize(border_town_run), tmp_path / "runs" / "border-town")
    lines = [
        ln for ln in README.splitlines() if ln.startswith('.venv/bin/python -c "import duckdb')
    ]
    assert len(lines) >= 2
    for line in lines:
        cmd = line.replace(".venv/bin/python", f'"{sys.executable}"', 1)
        proc = subprocess.run(
            cmd, shell=True, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
        assert "┌" in proc.stdout


def test_readme_wta_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `cupola wta` example: its instance, its command, its output and shots."""
    import json

    (tmp_path / "raid.json").write_text(_block_after("### Weapon-target assignment", "json"))
    command = _block_after("### Weapon-target assignment", "sh").split()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, command[1:])
    assert result.exit_code == 0, result.output
    shown = _block_after("### Weapon-target assignment", "text").strip()
    timing = re.compile(r"in [\d.]+ s")
    assert timing.sub("", result.output.strip()) == timing.sub("", shown)
    solution = json.loads((tmp_path / "solution.json").read_text())
    assert f"here `{solution['shots']}`" in README


def test_readme_fire_control_tables_are_the_benchmarks() -> None:
    """The README's assignment and fire-control tables have the benchmarks' rows."""
    import benchmarks.bench_fire_control as fc
    import benchmarks.bench_wta as wta

    for name in wta.ANDERSEN_NAMES:
        w, t, mu = name.removeprefix("wta_").split("x")
        assert f"\n| {w}×{t}×{mu} | " in README
    for w, t in wta.AIR_SIZES:
        assert f"\n| {w}×{t} | " in README
    section = README[README.index("### Fire control") : README.index("### Tracking recorded")]
    rows = [line for line in section.splitlines() if line.startswith(("| greedy", "| wta"))]
    assert len(rows) == len(fc.CONFIGS)


def test_readme_campaign_commands_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's sweep command is valid (every grid point checked), and its query runs."""
    block = _block_after("### Campaigns", "sh").strip().splitlines()
    sweep_args = shlex.split(block[0])[1:]
    assert sweep_args[:2] == ["sweep", "border-town"]
    vary = [sweep_args[i + 1] for i, a in enumerate(sweep_args) if a == "--vary"]
    spec = Sweep("border-town", 1, tuple(parse_vary(v) for v in vary))
    assert len(spec.point_texts()) == 4
    query_args = shlex.split(block[1])[1:]
    assert query_args[0] == "query"
    # the query runs on a one-run sweep of the same grid's first point
    small = Sweep("border-town", 1, tuple((p, v[:1]) for p, v in spec.vary))
    run_sweep(small, tmp_path / "sweep", workers=1)
    result = CliRunner().invoke(app, ["query", str(tmp_path / "sweep"), query_args[2]])
    assert result.exit_code == 0, result.output
    assert "salvo" in result.output


def test_readme_sustainment_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cupola sustain border-town-week` prints what the README shows."""
    args = shlex.split(_block_after("### Campaigns over days", "sh").strip())
    assert args[:3] == [".venv/bin/cupola", "sustain", "border-town-week"]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args[1:])
    assert result.exit_code == 0, result.output
    shown = _block_after("### Campaigns over days", "text").strip().splitlines()
    assert [ln.rstrip() for ln in result.output.strip().splitlines()] == shown
    assert (tmp_path / "runs" / "week" / "report.html").is_file()


def test_readme_sustainment_sweep_parses_and_its_query_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's sweep over the week: its grid is valid, its query runs on a (one-day,
    one-seed) sweep of the same scenario."""
    start = README.index("How much production keeps the town defended")
    block = re.search(r"```text\n(.*?)```", README[start:], re.S)
    assert block
    commands = [ln[2:] for ln in block.group(1).splitlines() if ln.startswith("$ ")]
    sweep_args, query_args = shlex.split(commands[0])[1:], shlex.split(commands[1])[1:]
    assert sweep_args[:2] == ["sweep", "border-town-week"]
    vary = [sweep_args[i + 1] for i, a in enumerate(sweep_args) if a == "--vary"]
    spec = Sweep("border-town-week", 1, tuple(parse_vary(v) for v in vary))
    assert len(spec.point_texts()) >= 2
    data = yaml.safe_load(_read_builtin("border-town-week"))
    data["sustainment"]["days"] = 0.5
    data["sustainment"]["raids"] = [{"at_h": 1, "count_scale": 0.2}]
    (tmp_path / "day.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    small = Sweep(str(tmp_path / "day.yaml"), 1, tuple((p, v[:1]) for p, v in spec.vary))
    run_sweep(small, tmp_path / "week-sweep", workers=1)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["query", "week-sweep", query_args[2]])
    assert result.exit_code == 0, result.output
    assert "runs_out" in result.output


def test_readme_plan_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `cupola plan` command, with one seed per layout and fewer samples."""
    args = shlex.split(_block_after("### Where to put the batteries", "sh").strip())
    assert args[:3] == [".venv/bin/cupola", "plan", "border-town"]
    runs = args.index("--runs")
    args[runs + 1] = "1"
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*args[1:], "--samples", "200", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runs" / "plan" / "scenario.yaml").is_file()


def test_readme_feed_demo_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's feed demo as written, on free ports (the defaults' and the CoT and CAT062
    destinations replaced) and with the replay at 40 times its pace: the CoT socket gets
    tracks, and the attach command's options parse."""
    import socket
    import threading

    from typer.main import get_command

    lines = [
        shlex.split(ln.split("#")[0])
        for ln in _block_after("### Into command-and-control networks", "sh").splitlines()
        if ln.strip()
    ]
    run, feed, replay, serve = (ln[1:] for ln in lines)
    assert (run[0], feed[0], replay[0], serve[0]) == ("run", "feed", "replay", "serve")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, run).exit_code == 0
    ports = []
    for kind in (socket.SOCK_DGRAM, socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    listen, cat, http = ports
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(0.3)
    got: list[bytes] = []
    done = threading.Event()

    def receive() -> None:
        while not done.is_set():
            try:
                got.append(sink.recvfrom(65536)[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    cot = feed.index("--cot") + 1
    feed[cot] = f"udp://127.0.0.1:{sink.getsockname()[1]}"
    feed[feed.index("--cat062") + 1] = f"udp://127.0.0.1:{cat}"
    feed += ["--listen", f"udp://127.0.0.1:{listen}", "--http", f"127.0.0.1:{http}"]
    cupola = [sys.executable, "-c", "from cupola.cli import main; main()"]
    proc = subprocess.Popen(
        [*cupola, *feed], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stderr is not None
        assert "listening on" in proc.stderr.readline()
        replay[replay.index("--speed") + 1] = "40"
        sent = subprocess.run(
            [*cupola, *replay, "--to", f"udp://127.0.0.1:{listen}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert sent.returncode == 0, sent.stderr
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
        done.set()
        thread.join()
        sink.close()
    assert any(b"cupola-track-" in d for d in got)
    group = get_command(app)
    ctx = group.commands["serve"].make_context("serve", serve[1:])  # parsed, not run
    assert ctx.params["attach"] == "http://127.0.0.1:4801"
    assert ctx.params["scenario"] == "border-town"


def test_readme_feed_on_a_sensors_file_starts(tmp_path: Path) -> None:
    """The README's ``cupola feed --sensors`` line, run from the repository's root on a free
    port: it loads the example files and listens (what it publishes: tests/feed)."""
    import os
    import signal
    import socket

    (line,) = _block_after("On a real site there is no raid", "sh").strip().splitlines()
    args = shlex.split(line)[1:]
    assert args[0] == "feed"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args += ["--listen", f"udp://127.0.0.1:{port}", "--http", "none"]
    args += ["--journal", str(tmp_path / "j.sqlite")]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cupola.cli import main; main()", *args],
        cwd=Path(__file__).parent.parent,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert "listening on" in first, first + (proc.stderr.read() if proc.poll() else "")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
