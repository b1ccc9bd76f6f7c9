"""A run paced against the wall clock: pause, play, single steps and 1×–10×.

:meth:`LiveRun.advance` is given the wall-clock seconds since its last call and steps the
engine by as many ticks as the speed makes of them (:math:`n = \\lfloor (d + s\\,\\Delta w) /
\\Delta t \\rfloor`, the remainder :math:`d` carried to the next call), at most
:data:`MAX_TICKS` at once so that a slow machine falls behind instead of freezing. The clock is
the caller's, so tests drive it by hand. The run ends when every threat is down, every
interceptor has ended and nothing is ordered, or at ``sim.max_time_s``.
"""

from __future__ import annotations

import math
from typing import Any

from cupola.live.base import Control, ControlError, Pace
from cupola.live.frames import frame
from cupola.sim.engine import Engine
from cupola.sim.world import World

#: Most ticks one call of :meth:`LiveRun.advance` steps.
MAX_TICKS = 2000


class LiveRun(Pace):
    """One scenario run in progress, paced (module docstring)."""

    def __init__(self, world: World, seed: int) -> None:
        self.engine = Engine(world, seed)
        self.speed = 1.0
        self.paused = False
        self._debt = 0.0
        self._cursor = 0
        self._last_launch = float(self.engine.threats.launch_time.max(initial=0.0))

    @property
    def world(self) -> World:
        return self.engine.world

    @property
    def done(self) -> bool:
        """The run is over (module docstring)."""
        return self._over()

    def _over(self) -> bool:
        e = self.engine
        if e.t >= e.world.scenario.sim.max_time_s - 1e-9:
            return True
        return (
            e.t > self._last_launch
            and not e.threats.flying.any()
            and not e.interceptors.alive.any()
            and len(e.bmc.pending.time) == 0
        )

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
            if self._over():
                break
            self.engine.step()
            done += 1
        return done

    def apply(self, control: Control) -> None:
        """Carry out a control message (:mod:`.base`)."""
        if self.set_pace(control):
            return
        if control.action == "seek":
            raise ControlError("a live run cannot seek; a replay (cupola serve --run) can")
        elif not self.done:  # step
            self.engine.step()

    def state(self) -> dict[str, Any]:
        """Time, speed, paused and done, for ``/api/state`` and control replies."""
        return {
            "time": round(float(self.engine.t), 3),
            "speed": self.speed,
            "paused": self.paused,
            "done": self.done,
        }

    def frame(self) -> dict[str, Any]:
        """The current frame (:mod:`.frames`), with the events since the previous one."""
        out, self._cursor = frame(self.engine, self._cursor)
        out["state"] = self.state()
        return out
