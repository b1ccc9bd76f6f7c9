"""A run paced against the wall clock: pause, play, single steps and 1×–10×.

:meth:`LiveRun.advance` is given the wall-clock seconds since its last call and steps the
engine by as many ticks as the speed makes of them (:math:`n = \\lfloor (d + s\\,\\Delta w) /
\\Delta t \\rfloor`, the remainder :math:`d` carried to the next call), at most
:data:`MAX_TICKS` at once so that a slow machine falls behind instead of freezing. The clock is
the caller's, so tests drive it by hand. The run ends when every threat is down, every
interceptor has ended and nothing is ordered, or at ``sim.max_time_s``.

In operator mode (:mod:`cupola.sim.console`) the battle manager proposes and the operator
decides; the automatic battle manager runs the same scenario and seed in a background thread
from the start, and when the operator's run ends the frames carry its score against it
(:mod:`.score`). Given a folder, the ended run is written there as a run folder (the format
of ``cupola run``), ready to replay with ``cupola serve --run``.
"""

from __future__ import annotations

import copy
import math
import threading
from pathlib import Path
from typing import Any

from cupola.live.base import Control, ControlError, Pace
from cupola.live.frames import frame
from cupola.live.score import score as score_against
from cupola.output import write_run
from cupola.sim.console import ConsoleError
from cupola.sim.engine import Engine, simulate
from cupola.sim.summary import summarize
from cupola.sim.world import World

#: Most ticks one call of :meth:`LiveRun.advance` steps.
MAX_TICKS = 2000


class LiveRun(Pace):
    """One scenario run in progress, paced (module docstring).

    Parameters
    ----------
    world : World
    seed : int
    operator : bool
        Operator mode; False: the battle manager fires on its own.
    out : Path, optional
        Run folder to write when the run ends (checked by the caller beforehand).
    overwrite : bool
        Replace a previous run's folder at ``out``.
    """

    def __init__(
        self,
        world: World,
        seed: int,
        operator: bool = False,
        out: Path | None = None,
        overwrite: bool = False,
    ) -> None:
        self.engine = Engine(world, seed, operator)
        self.operator = operator
        self.out = out
        self.overwrite = overwrite
        self.speed = 1.0
        self.paused = False
        self._debt = 0.0
        self._cursor = 0
        #: Summary of this run once it has ended.
        self.summary: dict[str, Any] | None = None
        #: Summary of the automatic battle manager's run (operator mode), once ready.
        self.automatic: dict[str, Any] | None = None
        self._automatic_error: str | None = None
        self._score: dict[str, Any] | None = None
        self._thread: threading.Thread | None = None
        if operator:
            self._thread = threading.Thread(
                target=self._run_automatic,
                args=(copy.deepcopy(world), seed),
                name="cupola-automatic-run",
                daemon=True,
            )
            self._thread.start()

    def _run_automatic(self, world: World, seed: int) -> None:
        try:
            self.automatic = summarize(simulate(world, seed))
        except Exception as exc:  # said in the frames' score, not lost in a thread
            self._automatic_error = f"{type(exc).__name__}: {exc}"

    def wait_automatic(self, timeout: float | None = None) -> bool:
        """Wait for the automatic run (operator mode); True once it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.automatic is not None or self._automatic_error is not None

    @property
    def world(self) -> World:
        return self.engine.world

    @property
    def done(self) -> bool:
        """The run is over (module docstring)."""
        return self.engine.over

    def _end(self) -> None:
        """Once, when the run is over: its summary, and its run folder if asked for."""
        if self.summary is not None or not self.engine.over:
            return
        result = self.engine.finish()
        self.summary = summarize(result)
        if self.out is not None:
            write_run(result, self.summary, self.out, overwrite=self.overwrite)

    def advance(self, wall_s: float) -> int:
        """Step the engine for ``wall_s`` wall-clock seconds at the current speed; returns the
        ticks stepped."""
        if self.paused or self.done:
            self._debt = 0.0
            return 0
        self._debt += max(wall_s, 0.0) * self.speed
        n = math.floor(self._debt / self.engine.dt + 1e-9)
        if n > MAX_TICKS:  # fell behind: do not try to catch up later
            n, self._debt = MAX_TICKS, 0.0
        else:
            self._debt = max(self._debt - n * self.engine.dt, 0.0)
        done = 0
        for _ in range(n):  # a loop over time; each tick is vectorised
            if self.engine.over:
                break
            self.engine.step()
            done += 1
        self._end()
        return done

    def apply(self, control: Control) -> None:
        """Carry out a control message (:mod:`.base`); an operator action that cannot be
        carried out now raises :class:`ControlError` saying why."""
        if self.set_pace(control):
            return
        e = self.engine
        if control.action == "seek":
            raise ControlError("a live run cannot seek; a replay (cupola serve --run) can")
        if control.action == "step":
            if not self.done:
                e.step()
                self._end()
            return
        if self.done:
            raise ControlError(f"the run is over: cannot {control.action}")
        try:
            self._operate(control)
        except ConsoleError as exc:
            raise ControlError(str(exc)) from None

    def _operate(self, control: Control) -> None:
        """The operator's actions (:mod:`cupola.sim.console`)."""
        e = self.engine
        c = e.bmc.console
        if control.action == "approve":
            assert control.track_id is not None  # the model checks it
            e.approve(control.track_id)
        elif control.action == "reject":
            assert control.track_id is not None
            c.reject(control.track_id, e.t)
        elif control.action == "engage":
            assert control.track_id is not None
            tr = e.tracker.tracks
            live = tr.track_id[tr.confirmed]
            live = live[~e.bmc.book.killed[live]]
            c.engage(control.track_id, control.battery, live, e.t)
        else:  # hold or release
            assert control.battery is not None
            e.hold(control.battery, on=control.action == "hold")

    def state(self) -> dict[str, Any]:
        """Time, speed, paused and done, for ``/api/state`` and control replies."""
        return {
            "time": round(float(self.engine.t), 3),
            "speed": self.speed,
            "paused": self.paused,
            "done": self.done,
            "mode": "operator" if self.operator else "automatic",
        }

    def score(self) -> dict[str, Any] | None:
        """The operator's score against the automatic battle manager (:mod:`.score`), once
        the run has ended and the automatic run too; ``{"error": ...}`` if that one failed;
        None before, and in automatic mode."""
        if not self.operator or self.summary is None:
            return None
        if self._automatic_error is not None:
            return {"error": f"the automatic run failed: {self._automatic_error}"}
        if self._score is None and self.automatic is not None:
            kinds = self.engine.log.table()["kind"]
            self._score = score_against(self.summary, self.automatic, kinds)
        return self._score

    def frame(self) -> dict[str, Any]:
        """The current frame (:mod:`.frames`), with the events since the previous one."""
        out, self._cursor = frame(self.engine, self._cursor)
        out["state"] = self.state()
        out["score"] = self.score()
        return out
