"""Engagement stage: interceptor launch, flyout with proportional navigation, fuze and kill."""

from cupola.engage.base import (
    FlyoutOutputs,
    InterceptorTable,
    InterceptorTypes,
    empty_interceptors,
)
from cupola.engage.flyout import launch, step
from cupola.engage.guidance import tpn_accel, turn
from cupola.engage.profile import distance, speed, time_to_distance

__all__ = [
    "FlyoutOutputs",
    "InterceptorTable",
    "InterceptorTypes",
    "distance",
    "empty_interceptors",
    "launch",
    "speed",
    "step",
    "time_to_distance",
    "tpn_accel",
    "turn",
]
