"""The live picture's interface: the control messages and the pace of a run.

Control messages (``POST /api/control``, or a JSON text on the WebSocket after the token):

- ``{"action": "pause"}``, ``{"action": "play"}``;
- ``{"action": "step"}``: one engine tick, paused or not;
- ``{"action": "speed", "speed": S}`` with S one of :data:`SPEEDS`;
- ``{"action": "seek", "time": T}``: a replay jumps to T s (a live run cannot).

Unknown fields, unknown actions and a speed that is not offered are refused (pydantic, one
message naming the field).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, model_validator

from cupola.sim.world import World

#: Speeds offered, simulated seconds per wall-clock second.
SPEEDS = (1.0, 2.0, 5.0, 10.0)
#: Frames a second pushed to each client.
FRAMES_PER_S = 5.0
#: Schema version of the frames (:mod:`.frames`).
FRAME_VERSION = 1


class Control(BaseModel):
    """One control message (module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    action: Literal["pause", "play", "step", "speed", "seek"]
    speed: float | None = None
    time: float | None = None

    @model_validator(mode="after")
    def _speed_given_with_speed(self) -> Control:
        if self.action == "speed":
            if self.speed not in SPEEDS:
                offered = ", ".join(f"{s:g}" for s in SPEEDS)
                raise ValueError(f"speed must be one of {offered}, got {self.speed}")
        elif self.speed is not None:
            raise ValueError(f"speed is only given with the action 'speed', not {self.action!r}")
        if self.action == "seek":
            if self.time is None or not 0.0 <= self.time < float("inf"):
                raise ValueError(f"seek needs a time of at least 0 s, got {self.time}")
        elif self.time is not None:
            raise ValueError(f"time is only given with the action 'seek', not {self.action!r}")
        return self


class ControlError(ValueError):
    """A valid control message this run cannot carry out (a live run cannot seek)."""


class Token(BaseModel):
    """The first message on the WebSocket that unlocks control: ``{"token": "..."}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str


class Run(Protocol):
    """What the server paces and streams: a live run (:class:`.session.LiveRun`) or a replay
    (:class:`.replay.ReplayRun`)."""

    @property
    def done(self) -> bool: ...

    @property
    def world(self) -> World: ...

    def advance(self, wall_s: float) -> int: ...

    def apply(self, control: Control) -> None: ...

    def state(self) -> dict[str, Any]: ...

    def frame(self) -> dict[str, Any]: ...


class Pace:
    """Speed and pause, shared by live runs and replays."""

    speed: float = 1.0
    paused: bool = False

    def set_pace(self, control: Control) -> bool:
        """Carry out ``pause``, ``play`` and ``speed``; False for the other actions."""
        if control.action == "pause":
            self.paused = True
        elif control.action == "play":
            self.paused = False
        elif control.action == "speed":
            assert control.speed is not None  # the model checks it
            self.speed = control.speed
        else:
            return False
        return True
