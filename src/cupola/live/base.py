"""The live picture's interface: the control messages and the pace of a run.

Control messages (``POST /api/control``, or a JSON text on the WebSocket after the token):

- ``{"action": "pause"}``, ``{"action": "play"}``;
- ``{"action": "step"}``: one engine tick, paused or not;
- ``{"action": "speed", "speed": S}`` with S one of :data:`SPEEDS`;
- ``{"action": "seek", "time": T}``: a replay jumps to T s (a live run cannot).

The operator's actions (a live run; :mod:`cupola.sim.console`):

- ``{"action": "approve", "track_id": N}``, ``{"action": "reject", "track_id": N}``: the
  battle manager's open proposal at track N (operator mode);
- ``{"action": "engage", "track_id": N}``, optionally with ``"battery": "<name>"``: engage
  track N by hand;
- ``{"action": "hold", "battery": "<name>"}``, ``{"action": "release", "battery":
  "<name>"}``: hold fire on a battery, and release it.

Unknown fields, unknown actions, a field the action does not take or a missing one, and a
speed that is not offered are refused (pydantic, one message naming the field).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cupola.sim.world import World

#: Speeds offered, simulated seconds per wall-clock second.
SPEEDS = (1.0, 2.0, 5.0, 10.0)
#: Frames a second pushed to each client.
FRAMES_PER_S = 5.0
#: Schema version of the frames (:mod:`.frames`).
FRAME_VERSION = 1


#: Fields each action needs, and those it may take besides.
NEEDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "pause": (frozenset(), frozenset()),
    "play": (frozenset(), frozenset()),
    "step": (frozenset(), frozenset()),
    "speed": (frozenset({"speed"}), frozenset()),
    "seek": (frozenset({"time"}), frozenset()),
    "approve": (frozenset({"track_id"}), frozenset()),
    "reject": (frozenset({"track_id"}), frozenset()),
    "engage": (frozenset({"track_id"}), frozenset({"battery"})),
    "hold": (frozenset({"battery"}), frozenset()),
    "release": (frozenset({"battery"}), frozenset()),
}
#: The operator's actions.
OPERATOR_ACTIONS = ("approve", "reject", "engage", "hold", "release")


class Control(BaseModel):
    """One control message (module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    action: Literal[
        "pause", "play", "step", "speed", "seek", "approve", "reject", "engage", "hold", "release"
    ]
    speed: float | None = None
    time: float | None = None
    track_id: Annotated[int, Field(ge=0, lt=2**53)] | None = None
    battery: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @model_validator(mode="after")
    def _fields_of_the_action(self) -> Control:
        needs, may = NEEDS[self.action]
        for name in ("speed", "time", "track_id", "battery"):
            given = getattr(self, name) is not None
            if name in needs and not given:
                raise ValueError(f"the action {self.action!r} needs {name}")
            if given and name not in needs | may:
                raise ValueError(f"{name} is not given with the action {self.action!r}")
        if self.action == "speed" and self.speed not in SPEEDS:
            offered = ", ".join(f"{s:g}" for s in SPEEDS)
            raise ValueError(f"speed must be one of {offered}, got {self.speed}")
        if self.action == "seek" and not 0.0 <= (self.time or 0.0) < float("inf"):
            raise ValueError(f"seek needs a time of at least 0 s, got {self.time}")
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
