"""The ``cupola`` command line.

Every error a user can cause (a bad scenario, a missing file, an output folder in the way)
is printed as one line on stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from cupola.errors import CupolaError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Cupola: simulate raids on defended areas and the battle manager that defends them.",
)
out_console = Console()


def _version(value: bool) -> None:
    if value:
        from cupola import __version__

        out_console.print(f"cupola {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Cupola: simulate raids on defended areas and the battle manager that defends them."""


err_console = Console(stderr=True)


def _warn(source: str, warnings: list[tuple[str, str]]) -> None:
    for field, message in warnings:
        err_console.print(f"note: {source}: {field}: {message}", markup=False, soft_wrap=True)


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _fail(exc: CupolaError) -> None:
    """Print ``exc`` as one line on stderr (its text taken literally, never as markup); exit 2."""
    line = " ".join(str(exc).splitlines())
    err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios, one per line."""
    from cupola.scenario import builtin_names, load

    for name in builtin_names():
        sc = load(name)
        text = " ".join(sc.description.split())
        first = text.split(". ")[0].rstrip(".")  # the description's first sentence
        out_console.print(f"{name:<18} {first}", highlight=False, soft_wrap=True, markup=False)


@app.command()
def validate(
    file: Annotated[str, typer.Argument(help="Scenario YAML file or built-in scenario name.")],
) -> None:
    """Check a scenario file: schema, values and cross-references.

    Also draws the raid once (seed 0) and warns about threats aimed beyond their reach and
    salvos that start after the end of the simulation.
    """
    from cupola.core.rng import streams
    from cupola.scenario import load
    from cupola.sim.raid import build_threats, raid_warnings
    from cupola.sim.world import compile_world

    try:
        sc = load(file)
        world = compile_world(sc, file)
    except CupolaError as exc:
        _fail(exc)
        return
    _, salvo, reachable = build_threats(world, streams(0)["raid"])
    _warn(file, raid_warnings(world, salvo, reachable))
    n = sum(s.count for s in sc.raid.salvos)
    out_console.print(
        f"{file}: valid scenario {sc.name!r}: {_plural(len(sc.assets), 'asset')}, "
        f"{_plural(len(world.zones.ids), 'alert zone')}, {_plural(len(sc.radars), 'radar')}, "
        f"{_plural(len(sc.batteries), 'battery')}, "
        f"{_plural(len(world.units.names), 'launcher')}, {_plural(n, 'threat')} in "
        f"{_plural(len(sc.raid.salvos), 'salvo')}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


@app.command()
def alerts(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `cupola run`.")],
) -> None:
    """Civil-warning quality of a run against the actual impacts: missed zones, needless
    alerts and their area, warning time by threat type."""
    from cupola.metrics.runs import run_warning_quality
    from cupola.metrics.warnings import ALERT_VALIDITY_S

    try:
        q = run_warning_quality(run_dir)
    except CupolaError as exc:
        _fail(exc)
        return
    table = Table(title=f"{run_dir}: civil warnings", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("zone-impact pairs that needed a warning", str(q.needed))
    table.add_row("  of them missed (no alert in time)", str(q.missed))
    table.add_row("alerts issued", str(q.alerts))
    table.add_row("  of them needless (nothing came down or was headed there)", str(q.needless))
    table.add_row("area that needed a warning (km²)", f"{q.needed_area_km2:.1f}")
    table.add_row("needlessly alerted area (km²)", f"{q.needless_area_km2:.1f}")
    table.add_row("  ratio", f"{q.needless_area_ratio:.2f}")
    for kind, median in q.median_warning_by_type().items():
        table.add_row(f"median warning time, {kind} (s)", f"{median:.0f}")
    out_console.print(table)
    if q.missed:
        ids = ", ".join(str(z) for z in sorted(set(q.missed_zone_id.tolist())))
        out_console.print(f"Missed zones: {ids}", highlight=False, markup=False)
    out_console.print(
        f"A zone needed a warning when an impact came within its threat's lethal radius, or "
        f"the point a threat destroyed in flight was going to (no pair of those can be missed: "
        f"nothing came down); an alert covers it from its start until it was lifted (at most "
        f"{ALERT_VALIDITY_S:.0f} s if it never was).",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option(help="Write the JSON Schema to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of the scenario format (for editor completion and validation)."""
    import json

    from cupola.scenario import Scenario

    text = json.dumps(Scenario.model_json_schema(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(CupolaError(f"{out}: cannot write: {exc.strerror or exc}"))


class _LazyProgress:
    """A progress bar that appears only once a run has taken more than a second."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.start = time.perf_counter()
        self.progress: Progress | None = None
        self.task: Any = None

    def __call__(self, t: float, end: float) -> None:
        if self.progress is None:
            if time.perf_counter() - self.start < 1.0:
                return
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:.0f}/{task.total:.0f} simulated s"),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=end)
        self.progress.update(self.task, completed=t)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _say_folder(folder: Path) -> None:
    """Where a command wrote its folder and its report."""
    for line in (f"Folder: {folder}", f"Report: {folder / 'report.html'}"):
        out_console.print(line, highlight=False, soft_wrap=True, markup=False)


@contextmanager
def _counting(
    label: str, unit: str = "", total: int | None = None
) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar with an ETA; yields ``show(done, total)`` to advance it."""
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}" + (f" {unit}" if unit else "")),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield show


_SHOWN = (
    ("threats", "threats launched"),
    ("threatening", "bound for defended assets"),
    ("engaged", "engaged"),
    ("intercepted", "intercepted"),
    ("intercepted_threatening", "  of them bound for defended assets"),
    ("leaked", "leaked (bound for assets, not intercepted)"),
    ("hits_on_defended_assets", "hits on defended assets"),
    ("impacts_open_ground", "impacts on open ground"),
    ("interceptors_fired", "interceptors fired"),
    ("interceptor_cost", "interceptor cost (USD)"),
    ("threat_cost", "threat cost (USD)"),
    ("alerts_issued", "alerts issued"),
)


def _summary_table(summary: dict[str, Any]) -> Table:
    table = Table(title=Text(f"{summary['scenario']} (seed {summary['seed']})"))
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, label in _SHOWN:
        v = summary[key]
        table.add_row(label, f"{v:,.0f}" if isinstance(v, float) else str(v))
    return table


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same run.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Run folder to write (default runs/<scenario>-seed<N>).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the run folder if it already exists.")
    ] = False,
) -> None:
    """Simulate a scenario end to end and write its run folder."""
    from cupola.output import check_output, write_run
    from cupola.scenario import load
    from cupola.sim.engine import simulate
    from cupola.sim.raid import raid_warnings
    from cupola.sim.summary import summarize
    from cupola.sim.world import compile_world

    if seed < 0:
        _fail(CupolaError(f"--seed: must be a non-negative integer, got {seed}"))
    try:
        sc = load(scenario)
        folder = out if out is not None else Path("runs") / f"{sc.name}-seed{seed}"
        check_output(folder, overwrite)  # before the work, not after it
        world = compile_world(sc, scenario)
        bar = _LazyProgress(f"{sc.name}")
        try:
            result = simulate(world, seed, progress=bar)
        except KeyboardInterrupt:
            bar.close()
            err_console.print("interrupted; nothing was written", markup=False)
            raise typer.Exit(130) from None
        bar.close()
        summary = summarize(result)
        write_run(result, summary, folder, overwrite=overwrite)
    except CupolaError as exc:
        _fail(exc)
        return
    _warn(scenario, raid_warnings(world, result.salvo, result.reachable))
    out_console.print(_summary_table(summary))
    out_console.print(f"Run folder: {folder}", highlight=False, soft_wrap=True, markup=False)
    out_console.print(
        f"Report:     {folder / 'report.html'}", highlight=False, soft_wrap=True, markup=False
    )


@app.command()
def track(
    plots: Annotated[Path, typer.Argument(help="Plots file (Parquet), in time order.")],
    sensors: Annotated[Path, typer.Option(help="Sensors file (YAML): ids, positions, noise.")],
    out: Annotated[Path, typer.Option(help="Tracks file to write (Parquet).")],
    config: Annotated[
        Path | None, typer.Option(help="Tracker file (YAML, a `tracker:` section).")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace the tracks file if it exists.")] = False,
    skip_bad_plots: Annotated[
        bool,
        typer.Option(
            help="Treat the file as a live feed: leave out (and count) plots with a missing or "
            "non-finite value, an unknown sensor or an out-of-sequence time instead of stopping."
        ),
    ] = False,
) -> None:
    """Run the tracker on recorded radar plots and write the confirmed tracks."""
    from cupola.output.parquet import ensure_writable, write_parquet_file
    from cupola.tracking.files import load_plots, load_sensors, load_tracker_config
    from cupola.tracking.replay import track_feed

    try:
        ensure_writable(out, overwrite)  # before any work
        radars = load_sensors(sensors)
        cfg = load_tracker_config(config)
        table = load_plots(plots, radars, check_rows=not skip_bad_plots)
        start = time.perf_counter()
        tracks, rejected = track_feed(cfg, radars, table)
        seconds = time.perf_counter() - start
        write_parquet_file(out, tracks, overwrite)
    except CupolaError as exc:
        _fail(exc)
        return
    n_scans = len(np.unique(np.c_[table.time, table.sensor_id], axis=0))
    out_console.print(
        f"{len(table.time)} plots in {n_scans} scans -> "
        f"{len(np.unique(tracks['track_id']))} confirmed tracks, {len(tracks['time'])} rows "
        f"in {out} ({1e3 * seconds / max(n_scans, 1):.2f} ms per scan)"
        + (f"; {rejected} plots rejected" if skip_bad_plots else ""),
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


@app.command()
def wta(
    instance: Annotated[
        Path, typer.Argument(help="Instance (.npz or .json) with keys V, P, ammo, cost, lam.")
    ],
    out: Annotated[Path, typer.Option(help="Solution file to write (JSON).")],
    time_limit: Annotated[
        float, typer.Option(help="Seconds for the search (and again for the exact MILP).")
    ] = 1.0,
    method: Annotated[
        str, typer.Option(help="search (greedy + local search), greedy, or exact (MILP).")
    ] = "search",
    kicks: Annotated[
        int | None,
        typer.Option(
            help="Kick budget of the search; with it the result depends only on "
            "the instance and the seed."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the search.")] = 0,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the solution file if it exists.")
    ] = False,
) -> None:
    """Solve a static weapon-target assignment: which weapon fires how many rounds at which
    target, to minimise the expected surviving value plus the weighted cost of the rounds."""
    from cupola.fire.static_wta import load_instance
    from cupola.fire.wta import solve, write_solution
    from cupola.output.parquet import ensure_writable

    try:
        if seed < 0:
            raise CupolaError(f"--seed: must be a non-negative integer, got {seed}")
        ensure_writable(out, overwrite)  # before any work
        problem = load_instance(instance)
        solution = solve(problem, method, time_limit, kicks, seed)
        write_solution(solution, out, overwrite)
    except CupolaError as exc:
        _fail(exc)
        return
    w_n, t_n = problem.shape
    gap = ""
    if solution.lower_bound is not None and solution.gap is not None:
        gap = f", lower bound {solution.lower_bound:.6g} (gap {100 * solution.gap:.3g} %)"
    out_console.print(
        f"{instance}: {w_n} weapons x {t_n} targets, {int(solution.shots.sum())} rounds -> "
        f"objective {solution.objective:.6g}{gap}"
        f"{', optimal' if solution.optimal else ''} in {solution.seconds:.3f} s ({method}); "
        f"wrote {out}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


@app.command()
def sweep(
    scenario: Annotated[str, typer.Argument(help="Scenario YAML file or built-in name.")],
    runs: Annotated[int, typer.Option(help="Seeds (0 .. runs-1) at each grid point.")],
    out: Annotated[Path, typer.Option(help="Campaign folder (created; resumed if it exists).")],
    vary: Annotated[
        list[str] | None,
        typer.Option(help="PATH=V1,V2,...: a grid axis, e.g. raid.salvos.0.count=50,100."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: all cores).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local (worker processes) or dask (Dask distributed).")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (with --engine dask); default: a local one."),
    ] = None,
) -> None:
    """Run a scenario over seeds and a parameter grid on the local cores, one Parquet row per
    run; the same command resumes an interrupted sweep."""
    from cupola.campaign import Sweep, parse_vary, run_sweep

    try:
        if runs < 1:
            raise CupolaError(f"--runs: must be at least 1, got {runs}")
        if workers is not None and workers < 1:
            raise CupolaError(f"--workers: must be at least 1, got {workers}")
        spec = Sweep(scenario, runs, tuple(parse_vary(v) for v in vary or []))
        spec.point_texts()  # every grid point checked before the progress bar shows
        with _counting("runs") as show:
            start = time.perf_counter()
            ran = run_sweep(spec, out, workers, show, engine, scheduler)
            seconds = time.perf_counter() - start
    except CupolaError as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: finished runs are kept in {out}; the same command resumes",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    total = len(spec.points()) * spec.runs
    rate = f" ({60 * ran / seconds:.0f} runs per minute)" if ran and seconds > 0 else ""
    out_console.print(
        f"{out}: {total} runs ({len(spec.points())} points x {spec.runs} seeds), "
        f"{ran} run now{rate}; rows in {out / 'runs'}/*.parquet; report {out / 'report.html'}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


@app.command()
def sustain(
    scenario: Annotated[
        str, typer.Argument(help="Built-in scenario name or YAML file with a sustainment section.")
    ],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same run.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write (default runs/<scenario>-sustain-seed<N>)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the folder if it holds an earlier campaign.")
    ] = False,
) -> None:
    """Run a campaign of raids over days with interceptor production and resupply; report
    when and where stock runs out."""
    from cupola.campaign.sustain import clock, require_sustainment
    from cupola.campaign.sustain import sustain as run_campaign
    from cupola.campaign.sustain_folder import SUSTAIN_FILES, write_sustainment
    from cupola.output import check_output
    from cupola.scenario import load

    if seed < 0:
        _fail(CupolaError(f"--seed: must be a non-negative integer, got {seed}"))
    try:
        sc = load(scenario)
        require_sustainment(sc, scenario)
        folder = out if out is not None else Path("runs") / f"{sc.name}-sustain-seed{seed}"
        check_output(folder, overwrite, SUSTAIN_FILES, "sustainment")
        try:
            with _counting(sc.name, "raids") as show:
                result = run_campaign(sc, seed, scenario, show)
        except KeyboardInterrupt:
            err_console.print("interrupted; nothing was written", markup=False)
            raise typer.Exit(130) from None
        write_sustainment(result, sc, folder, overwrite)
    except CupolaError as exc:
        _fail(exc)
        return
    days = f"{result.days:g} day" + ("" if result.days == 1 else "s")
    table = Table(
        title=Text(f"{sc.name}: {days} (seed {seed})"),
        caption=Text("left: rounds at the batteries after the raid; depot: at its start"),
    )
    for name in ("raid", "start", "threats", "fired", "leaked", "hits", "left", "depot"):
        table.add_column(name, justify="right")
    r = result.raids
    for i in range(len(r["raid"])):
        table.add_row(
            str(r["raid"][i]),
            clock(float(r["time_h"][i])),
            *(
                str(r[k][i])
                for k in ("threats", "interceptors_fired", "leaked", "hits_on_defended_assets")
            ),
            str(r["rounds_after"][i]),
            str(r["depot"][i]),
        )
    out_console.print(table)
    t = result.totals
    out_console.print(
        f"{t['interceptors_fired']} interceptors fired, {t['rounds_produced']} produced, "
        f"{t['rounds_delivered']} delivered; {t['interceptors_left']} left at the batteries and "
        f"{t['depot_left']} at the depot",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
    for name in result.battery_names:
        outs = [s for s in result.stockouts if s["battery"] == name]
        if outs:
            again = f", and again in {_plural(len(outs) - 1, 'later raid')}" if outs[1:] else ""
            out_console.print(
                f"{name} ran out of interceptors on {outs[0]['when']} (raid {outs[0]['raid']})"
                + again,
                highlight=False,
                soft_wrap=True,
                markup=False,
            )
    if not result.stockouts:
        out_console.print("No battery ran out of interceptors.", highlight=False)
    if np.isfinite(result.depot_short_h):
        out_console.print(
            f"The depot first fell short of the batteries' needs on {clock(result.depot_short_h)}",
            highlight=False,
            markup=False,
        )
    _say_folder(folder)


@app.command()
def plan(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or YAML file.")],
    batteries: Annotated[int, typer.Option(help="Batteries to site (K).")],
    out: Annotated[
        Path | None, typer.Option(help="Folder to write (default runs/<scenario>-plan-K<K>).")
    ] = None,
    candidates: Annotated[
        Path | None,
        typer.Option(help="Candidate sites (GeoJSON points); default: a grid over the assets."),
    ] = None,
    exclude: Annotated[
        Path | None, typer.Option(help="Areas where no battery may go (GeoJSON polygons).")
    ] = None,
    samples: Annotated[int, typer.Option(help="Threat trajectories sampled from the raid.")] = 1000,
    runs: Annotated[
        int, typer.Option(help="Full-simulation seeds per layout for the check (0: none).")
    ] = 20,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes of the check (default: all cores).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the threat sample.")] = 0,
    margin_m: Annotated[
        float, typer.Option(help="The default grid reaches this far past the assets, m.")
    ] = 5000.0,
    grid_m: Annotated[
        float | None, typer.Option(help="Spacing of the default grid, m (default: ~200 sites).")
    ] = None,
    method: Annotated[str, typer.Option(help="auto, milp or greedy.")] = "auto",
    proximity: Annotated[
        float,
        typer.Option(
            help="Cost of the site farthest from the impacts, as a share of the threatened "
            "value (breaks near-ties towards the assets; 0: none)."
        ),
    ] = 0.005,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the folder if it holds an earlier plan.")
    ] = False,
) -> None:
    """Choose sites for K batteries that defend the most expected value against the
    scenario's raid, and check the layout against a naive one with the full simulation."""
    from cupola.output import check_output
    from cupola.scenario import load
    from cupola.siting.folder import PLAN_FILES, write_plan
    from cupola.siting.plan import PlanOptions
    from cupola.siting.plan import plan as make_plan

    try:
        checks = [
            (samples < 10 or samples > 20_000, f"--samples: must be 10 to 20,000, got {samples}"),
            (runs < 0, f"--runs: must be at least 0, got {runs}"),
            (workers is not None and workers < 1, f"--workers: must be at least 1, got {workers}"),
            (seed < 0, f"--seed: must be a non-negative integer, got {seed}"),
            (method not in ("auto", "milp", "greedy"), f"--method: unknown {method!r}"),
            (not 0 <= margin_m <= 200_000, f"--margin-m: must be 0 to 200,000 m, got {margin_m}"),
            (
                grid_m is not None and not 10 <= grid_m <= 100_000,
                f"--grid-m: must be 10 to 100,000 m, got {grid_m}",
            ),
            (not 0 <= proximity <= 1, f"--proximity: must be 0 to 1, got {proximity}"),
        ]
        for bad, message in checks:
            if bad:
                raise CupolaError(message)
        sc = load(scenario)
        folder = out if out is not None else Path("runs") / f"{sc.name}-plan-K{batteries}"
        check_output(folder, overwrite, PLAN_FILES, "plan")
        options = PlanOptions(
            batteries=batteries,
            candidates=candidates,
            exclusions=exclude,
            samples=samples,
            seed=seed,
            margin_m=margin_m,
            spacing_m=grid_m,
            method=method,
            proximity=proximity,
        )
        p = make_plan(sc, scenario, options)
        try:
            with _counting("Monte Carlo check", "runs", 2 * runs) as show:
                summary = write_plan(p, folder, runs, workers, overwrite, show)
        except KeyboardInterrupt:
            err_console.print("interrupted; nothing was written", markup=False)
            raise typer.Exit(130) from None
    except CupolaError as exc:
        _fail(exc)
        return
    table = Table(title=Text(f"{sc.name}: {_plural(batteries, 'battery')}"))
    table.add_column("layout")
    table.add_column("sites")
    table.add_column("defended (model)", justify="right")
    table.add_column("rounds asked / had (model)", justify="right")
    mc = summary["monte_carlo"]
    if mc:
        table.add_column(f"hits ({runs} runs)", justify="right")
    for name in ("planned", "naive"):
        sites = "; ".join(f"{x['lat']:.4f}, {x['lon']:.4f}" for x in summary[name]["sites"])
        r = summary[name]["rounds_per_raid"]
        rounds = "" if r is None else f"{r['asked']:,.1f} / {r['available']:,.1f}"
        cells = [name, sites, f"{summary[name]['defended_value_per_raid']:,.0f}", rounds]
        if mc:
            h = mc["layouts"][name]["hits_on_defended_assets"]
            half = "" if h["ci95"] is None else f" ± {h['ci95']:.2f}"
            cells.append(f"{h['mean']:.2f}{half}")
        table.add_row(*cells)
    out_console.print(table)
    lay = summary["planned"]
    out_console.print(
        f"threatened value per raid {summary['threatened_value_per_raid']:,.0f}; "
        f"{_plural(summary['candidate_sites'], 'candidate site')}, "
        f"{_plural(summary['sampled_threats'], 'sampled threat')}; "
        f"MEXCLP start {lay['mexclp']['method']}"
        f"{' (optimal)' if lay['mexclp']['optimal'] else ''}, then {lay['method']}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
    _say_folder(folder)


@app.command()
def query(
    folder: Annotated[Path, typer.Argument(help="A campaign folder written by `cupola sweep`.")],
    sql: Annotated[str, typer.Argument(help="SQL over the table `runs` (DuckDB).")],
) -> None:
    """Query a campaign's runs with SQL (DuckDB); the table is `runs`."""
    import duckdb

    from cupola.campaign.store import connect_runs

    try:
        con = connect_runs(folder)
        try:
            try:
                cur = con.execute(sql)
            except duckdb.Error as exc:
                raise CupolaError(f"query: {exc}") from None
            names = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
        finally:
            con.close()
    except CupolaError as exc:
        _fail(exc)
        return
    table = Table()
    for name in names:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*(f"{v:.6g}" if isinstance(v, float) else str(v) for v in row))
    out_console.print(table)


@app.command()
def serve(
    scenario: Annotated[
        str, typer.Argument(help="A built-in scenario name or a scenario file.")
    ] = "border-town",
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed of the run.")] = 0,
    run: Annotated[
        Path | None,
        typer.Option("--run", help="Replay this run folder (from `cupola run`) instead."),
    ] = None,
    operator: Annotated[
        bool,
        typer.Option(
            "--operator",
            help="Operator mode: the battle manager proposes, you approve or reject; scored "
            "at the end against the automatic battle manager on the same seed.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Write the run folder here when the run ends (replay it with --run)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace the --out folder if it holds a previous run.")
    ] = False,
    attach: Annotated[
        str | None,
        typer.Option(
            help="Show a running `cupola feed` instead: its status address http://HOST:PORT "
            "(SCENARIO: the one it runs)."
        ),
    ] = None,
) -> None:
    """Run SCENARIO in real time, replay a run folder, or show a running feed, in the
    browser at the printed address: frames on /ws, state on /api/state, control on
    /api/control (and from the page) with the printed token."""
    import secrets

    import uvicorn

    from cupola.live.app import create_app
    from cupola.live.base import Run
    from cupola.live.replay import Recording, ReplayRun
    from cupola.live.session import LiveRun
    from cupola.output import check_output
    from cupola.scenario import load
    from cupola.sim.world import compile_world

    if seed < 0:
        _fail(CupolaError(f"--seed: must be a non-negative integer, got {seed}"))
    if not 0 < port < 65536:
        _fail(CupolaError(f"--port: must be 1 to 65535, got {port}"))
    if run is not None and (operator or out is not None):
        given = "--operator" if operator else "--out"
        _fail(CupolaError(f"{given}: a replay (--run) is not a live run; leave one of them out"))
    if attach is not None and (operator or out is not None or run is not None):
        given = "--operator" if operator else "--out" if out is not None else "--run"
        _fail(CupolaError(f"{given}: --attach shows a running feed; leave one of them out"))
    try:
        if out is not None:
            check_output(out, overwrite)  # before the run, not after it
        live: Run
        if attach is not None:
            from cupola.feed.base import endpoint
            from cupola.live.attach import FeedView

            where = endpoint(attach, "--attach", ("http",))
            live = FeedView(compile_world(load(scenario), scenario), str(where))
        elif run is not None:
            live = ReplayRun(Recording(run))
        else:
            live = LiveRun(compile_world(load(scenario), scenario), seed, operator, out, overwrite)
    except CupolaError as exc:
        _fail(exc)
        return
    token = secrets.token_urlsafe(18)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            f"note: listening on {host}, beyond this machine; anyone who can reach it sees the "
            "picture (control still needs the token)",
            markup=False,
            highlight=False,
        )
    shown = f"[{host}]" if ":" in host else host
    out_console.print(f"page: http://{shown}:{port}/", highlight=False, markup=False)
    out_console.print(f"token: {token}", highlight=False, markup=False)
    uvicorn.run(
        create_app(live, token), host=host, port=port, log_level="warning", ws_max_size=65536
    )


@app.command()
def feed(
    listen: Annotated[
        str, typer.Option(help="Where plots arrive: udp://HOST:PORT (loopback unless asked).")
    ] = "udp://127.0.0.1:4800",
    format: Annotated[
        str, typer.Option("--format", help="Plots in: asterix48 (CAT048) or plots-jsonl.")
    ] = "asterix48",
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Radars, defended assets, alert zones and batteries: a built-in "
            "scenario name or a scenario file."
        ),
    ] = None,
    sensors: Annotated[
        Path | None,
        typer.Option(
            help="Instead of a scenario: a sensors file (YAML), a scenario without its raid: "
            "radars, batteries, assets, zones (docs/formats.md)."
        ),
    ] = None,
    zones: Annotated[
        Path | None,
        typer.Option(help="With --sensors: the alert zones (GeoJSON polygons, zone_id, name)."),
    ] = None,
    assets: Annotated[
        Path | None,
        typer.Option(help="With --sensors: defended assets (GeoJSON polygons, points, lines)."),
    ] = None,
    cot: Annotated[
        str | None,
        typer.Option(help="Send the picture as CoT to udp://, tcp:// or tls://HOST:PORT."),
    ] = None,
    cat062: Annotated[
        str | None, typer.Option(help="Send the tracks as ASTERIX CAT062 to udp://HOST:PORT.")
    ] = None,
    journal: Annotated[
        Path, typer.Option(help="Event log (SQLite); continued if it exists.")
    ] = Path("feed.sqlite"),
    http: Annotated[
        str, typer.Option(help="Status endpoint HOST:PORT (GET /status), or none.")
    ] = "127.0.0.1:4801",
    allow_remote: Annotated[
        bool, typer.Option(help="Let --listen and --http bind beyond loopback.")
    ] = False,
    day: Annotated[
        str | None, typer.Option(help="UTC date the plots' times count from (default today).")
    ] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="Client certificate (PEM), tls://.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="Its key (PEM), if separate.")] = None,
    tls_ca: Annotated[Path | None, typer.Option(help="Server's certificate authority (PEM).")] = (
        None
    ),
    protobuf: Annotated[
        bool, typer.Option(help="CoT as TAK protocol 1 (protobuf) instead of XML.")
    ] = False,
    stale_s: Annotated[float, typer.Option(help="CoT events stand this long, s.")] = 10.0,
    status_every: Annotated[float, typer.Option(help="A status line every this many s.")] = 5.0,
    simulated: Annotated[
        bool, typer.Option(help="Mark what is published as simulated (CoT how m-s, CAT062 SIM).")
    ] = False,
    uid_prefix: Annotated[
        str, typer.Option(help="First part of every CoT uid (two feeds into one TAK server).")
    ] = "cupola",
    decode_workers: Annotated[
        int, typer.Option(help="Processes decoding CAT048 beside the tracker (0: none).")
    ] = 1,
) -> None:
    """Run the battle manager live on radar plots arriving over UDP, and publish its picture
    (tracks, predicted impacts, alerts, batteries) as CoT and CAT062. Recommends
    engagements; orders none. Stop with Ctrl-C."""
    import asyncio

    from cupola.feed.service import Feed
    from cupola.feed.setup import feed_setup

    try:
        world, options = feed_setup(
            listen=listen,
            fmt=format,
            scenario=scenario,
            sensors=sensors,
            zones=zones,
            assets=assets,
            cot=cot,
            cat062=cat062,
            journal=journal,
            http=http,
            allow_remote=allow_remote,
            day=day,
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_ca=tls_ca,
            protobuf=protobuf,
            stale_s=stale_s,
            status_every_s=status_every,
            simulated=simulated,
            uid_prefix=uid_prefix,
            decode_workers=decode_workers,
        )
        service = Feed(
            world,
            options,
            lambda line: err_console.print(line, markup=False, highlight=False, soft_wrap=True),
        )
        asyncio.run(service.run())
    except OSError as exc:
        _fail(CupolaError(f"--listen/--http: {exc.strerror or exc}"))
    except CupolaError as exc:
        _fail(exc)


@app.command()
def replay(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (from `cupola run`).")],
    to: Annotated[str, typer.Option(help="udp://HOST:PORT to send the plots to.")] = (
        "udp://127.0.0.1:4800"
    ),
    format: Annotated[
        str, typer.Option("--format", help="asterix48 (CAT048) or plots-jsonl.")
    ] = "asterix48",
    speed: Annotated[float, typer.Option(help="Times the original pace.")] = 1.0,
    keep_time: Annotated[
        bool,
        typer.Option(help="Keep the run's times (seconds after 00:00 UTC) instead of now's."),
    ] = False,
    sweep: Annotated[
        bool,
        typer.Option(
            help="Send the plots as rotating radars make them: each at the time the antenna "
            "passes it, sector by sector."
        ),
    ] = False,
) -> None:
    """Send a run's radar plots to a UDP port as a live stream: the feed's test source."""
    from cupola.feed.base import endpoint
    from cupola.feed.replay import read_run
    from cupola.feed.replay import replay as send
    from cupola.feed.setup import check_format

    try:
        check_format(format)
        where = endpoint(to, "--to", ("udp",))
        if not speed > 0:
            raise CupolaError(f"--speed: must be above 0, got {speed:g}")
        rec = read_run(run_dir, swept=sweep)
        with _counting("replay", "sectors" if sweep else "scans", 1) as show:
            sent = send(rec, where, format, speed, keep_time, progress=show)
    except OSError as exc:
        _fail(CupolaError(f"--to: {exc.strerror or exc}"))
        return
    except CupolaError as exc:
        _fail(exc)
        return
    out_console.print(
        f"sent {sent.plots:,} plots in {sent.scans:,} {'sectors' if sweep else 'scans'} "
        f"({sent.datagrams:,} datagrams) "
        f"to {where}" + (f"; {sent.unencoded} could not be encoded" if sent.unencoded else ""),
        highlight=False,
        markup=False,
    )


def main() -> None:
    """Entry point of the ``cupola`` script."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing was written")
        sys.exit(130)


if __name__ == "__main__":
    main()
