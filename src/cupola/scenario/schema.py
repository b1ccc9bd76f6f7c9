"""The scenario file format, version 1: pydantic models, unknown fields rejected.

A scenario is a YAML file. Positions are WGS84 ``{lat, lon}`` (degrees) with an optional
``alt_m`` (meters above the ground); distances in meters, times in seconds from scenario
start, angles in radians unless the name says ``_deg``, costs in US dollars. Threat and
interceptor types not defined in the file are looked up by name in the built-in catalog
(``cupola/scenario/catalog.yaml``). Cross-references (salvo threat types, battery interceptors,
aimed-at assets) are checked when the file is loaded.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1
#: Most threats in one salvo.
MAX_SALVO = 100_000

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(gt=0, lt=1)]
Name = Annotated[str, Field(min_length=1, max_length=120)]
Count = Annotated[int, Field(strict=True)]  # YAML ints only: ``true`` is not a count


class Strict(BaseModel):
    """Base of every scenario model: unknown fields are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class GeoPoint(Strict):
    """A WGS84 position on the ground."""

    lat: float = Field(ge=-90, le=90, description="Latitude, degrees.")
    lon: float = Field(ge=-180, le=180, description="Longitude, degrees.")


class GeoPoint3(GeoPoint):
    """A WGS84 position with an altitude above the ground."""

    alt_m: float = Field(default=0.0, ge=0, le=30_000, description="Altitude above ground, m.")


class AreaAsset(Strict):
    """A defended area (an urban polygon)."""

    kind: Literal["area"]
    name: Name
    value: NonNegative = Field(description="Value of the area; damage counts it once per hit.")
    outline: list[GeoPoint] = Field(min_length=3, description="Polygon vertices, not closed.")


class PointAsset(Strict):
    """A defended point with a radius (power plant, substation, base)."""

    kind: Literal["point"]
    name: Name
    value: NonNegative
    position: GeoPoint
    radius_m: Positive


class RouteAsset(Strict):
    """A defended line with a width (supply route), valued per kilometre."""

    kind: Literal["route"]
    name: Name
    value_per_km: NonNegative
    line: list[GeoPoint] = Field(min_length=2)
    width_m: Positive


Asset = Annotated[AreaAsset | PointAsset | RouteAsset, Field(discriminator="kind")]


class AlertZone(Strict):
    """A named civil-warning polygon."""

    zone_id: Count = Field(ge=0, le=2**63 - 1)
    name: Name
    outline: list[GeoPoint] = Field(min_length=3)


class AlertZones(Strict):
    """Civil-warning zones: the listed polygons, those of a GeoJSON file, or by default a
    square grid over the assets."""

    grid_m: Annotated[float, Field(ge=100)] = Field(
        default=2000.0, description="Cell size of the default grid, m (at least 100)."
    )
    zones: list[AlertZone] | None = Field(default=None, min_length=1)
    geojson: str | None = Field(
        default=None,
        description="GeoJSON FeatureCollection of Polygon zones with properties zone_id and "
        "name, longitude/latitude; a path relative to the scenario file (to the working "
        "directory for a scenario given as text).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if self.zones is not None and self.geojson is not None:
            raise ValueError("give zones or geojson, not both")
        return self


class Radar(Strict):
    """A surveillance radar (see :class:`cupola.sensors.base.RadarParams`)."""

    name: Name
    position: GeoPoint3
    max_range_m: Positive
    revisit_s: Annotated[float, Field(gt=0, le=60)]
    sigma_range_m: Positive
    sigma_azimuth_rad: Annotated[float, Field(gt=0, lt=0.5)]
    sigma_elevation_rad: Annotated[float, Field(gt=0, lt=0.5)]
    reference_range_m: Positive = Field(
        description="Range at which reference_rcs_m2 is detected with reference_pd."
    )
    reference_rcs_m2: Positive
    reference_pd: Probability = 0.9
    false_alarm_probability: Probability = 1e-6
    false_plots_per_scan: Annotated[float, Field(ge=0, le=10_000)] = 0.0
    min_elevation_rad: Annotated[float, Field(ge=-0.2, le=0.5)] = 0.0
    clutter_max_elevation_rad: Annotated[float, Field(gt=0, le=1.5)] = 0.35

    @model_validator(mode="after")
    def _detectable(self) -> Self:
        if self.reference_pd <= self.false_alarm_probability:
            raise ValueError("reference_pd must be greater than false_alarm_probability")
        if self.clutter_max_elevation_rad <= self.min_elevation_rad:
            raise ValueError("clutter_max_elevation_rad must be greater than min_elevation_rad")
        return self


class Launcher(Strict):
    """A missile firing unit."""

    position: GeoPoint3
    ready_rounds: Count = Field(ge=0, le=1000)
    capacity: Count | None = Field(
        default=None, ge=1, le=1000, description="Rounds a full launcher holds (ready_rounds)."
    )

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.capacity is not None and self.ready_rounds > self.capacity:
            raise ValueError("ready_rounds must not exceed capacity")
        return self


class Battery(Strict):
    """A battery: battle-management centre, launchers and their interceptor stock."""

    name: Name
    position: GeoPoint3
    interceptor: Name = Field(description="Interceptor type name.")
    reaction_time_s: NonNegative = Field(description="Decision to first launch, s.")
    launch_interval_s: Positive = Field(description="Minimum time between launches of a launcher.")
    reload_time_s: Positive = Field(description="Time to reload an empty launcher from stock, s.")
    stock: Count = Field(ge=0, description="Rounds held in reserve for reloading.")
    resupply_rounds_per_hour: NonNegative = Field(
        default=0.0,
        le=1e6,
        description="Rounds delivered to the stock per hour, whole rounds as they accumulate "
        "(in a sustainment campaign: between raids, out of the depot, up to the basic load).",
    )
    guidance_channels: Count | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="Interceptors the battery can guide at once (in flight or queued); "
        "default: no limit.",
    )
    launchers: list[Launcher] = Field(min_length=1)


class InterceptorType(Strict):
    """Interceptor kinematics and lethality (see :class:`cupola.engage.base.InterceptorTypes`)."""

    name: Name
    boost_time_s: Positive
    launch_speed_mps: Positive
    burnout_speed_mps: Positive
    coast_deceleration_mps2: NonNegative
    min_speed_mps: Positive
    max_flight_time_s: Positive
    min_range_m: NonNegative
    max_range_m: Positive
    ceiling_m: Positive
    lethal_radius_m: Positive
    sskp: Annotated[float, Field(gt=0, le=1)]
    sskp_by_threat: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=dict,
        description="Single-shot kill probability against the named threat types, where it "
        "differs from sskp (say, lower against mortar rounds).",
    )
    cost_usd: NonNegative
    max_lateral_accel_mps2: Positive
    navigation_constant: Annotated[float, Field(ge=2, le=6)] = 4.0
    seeker_range_m: Positive

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.max_range_m <= self.min_range_m:
            raise ValueError("max_range_m must be greater than min_range_m")
        if self.burnout_speed_mps < self.launch_speed_mps:
            raise ValueError("burnout_speed_mps must be at least launch_speed_mps")
        if self.min_speed_mps > self.burnout_speed_mps:
            raise ValueError("min_speed_mps must not exceed burnout_speed_mps")
        return self


class BallisticThreat(Strict):
    """A rocket, mortar round or ballistic missile: 3-DOF point mass from burnout."""

    kind: Literal["ballistic"]
    name: Name
    burnout_speed_mps: Positive
    mass_kg: Positive
    diameter_m: Positive
    drag_coefficient: NonNegative
    rcs_m2: Positive
    warhead_lethal_radius_m: Positive
    cost_usd: NonNegative
    lofted: bool = Field(default=False, description="Fire on the high-angle branch (mortars).")

    @property
    def ballistic_coefficient_kg_m2(self) -> float:
        """:math:`\\beta = m / (C_d A)` with :math:`A` the cross-section, kg/m² (``inf``
        without drag)."""
        cda = self.drag_coefficient * math.pi * (self.diameter_m / 2) ** 2
        return self.mass_kg / cda if cda > 0 else math.inf


class AirBreathingThreat(Strict):
    """A one-way attack drone or cruise missile: waypoint flight and a terminal dive."""

    kind: Literal["air_breathing"]
    name: Name
    cruise_speed_mps: Positive
    cruise_altitude_m: Annotated[float, Field(gt=0, le=15_000)]
    rcs_m2: Positive
    dive_angle_deg: Annotated[float, Field(ge=5, le=90)]
    warhead_lethal_radius_m: Positive
    cost_usd: NonNegative


ThreatType = Annotated[BallisticThreat | AirBreathingThreat, Field(discriminator="kind")]


class Disc(Strict):
    """A circular area on the ground."""

    center: GeoPoint
    radius_m: NonNegative


class Aim(Strict):
    """Where a salvo is aimed: exactly one of an area, a defended asset, or points."""

    area: Disc | None = None
    asset: Name | None = None
    points: list[GeoPoint] | None = Field(default=None, min_length=1)
    error_m: NonNegative = Field(
        default=0.0, description="Standard deviation of the impact error per ground axis, m."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [k for k in ("area", "asset", "points") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of area, asset or points")
        return self


class Salvo(Strict):
    """A group of threats of one type launched over a time window."""

    threat: Name = Field(description="Threat type name.")
    count: Count = Field(ge=1, le=MAX_SALVO)
    launch_area: Disc
    aim: Aim
    start_s: NonNegative = 0.0
    duration_s: NonNegative = 0.0
    waypoints: list[GeoPoint3] = Field(
        default_factory=list, description="Air-breathing threats: route before the target."
    )


class Raid(Strict):
    """The attack: one or more salvos."""

    salvos: list[Salvo] = Field(min_length=1)


class RaidSlot(Strict):
    """One raid of a sustainment campaign: when, and what."""

    at_h: NonNegative = Field(description="Launch of the raid, hours from campaign start.")
    count_scale: Annotated[float, Field(gt=0, le=1000)] = Field(
        default=1.0,
        description="Multiplies every salvo's count (rounded, at least one threat a salvo).",
    )
    raid: Raid | None = Field(default=None, description="The raid; default: the scenario's raid.")


class Sustainment(Strict):
    """A campaign over days: raids on a schedule, with interceptor production and resupply.

    Between raids, each battery is refilled towards its basic load (its launchers' capacity
    plus its starting stock) at its ``resupply_rounds_per_hour``, out of a depot that holds
    ``depot_stock`` rounds at the start and gains ``production_rounds_per_day``. See
    :mod:`cupola.logistics`.
    """

    days: Annotated[float, Field(gt=0, le=366)] = Field(description="Length of the campaign.")
    raids: list[RaidSlot] = Field(min_length=1)
    repeat_every_h: Annotated[float, Field(gt=0, le=8784)] | None = Field(
        default=None,
        description="Repeat the raids with this period until the campaign ends (say 24 for "
        "the same raids every day).",
    )
    depot_stock: Count = Field(
        default=0, ge=0, le=10_000_000, description="Rounds at the depot at the start."
    )
    production_rounds_per_day: NonNegative = Field(
        default=0.0, le=1e6, description="Rounds produced into the depot per day."
    )


class Doctrine(Strict):
    """Engagement rules of the battle-management centre."""

    engage_threshold: NonNegative = Field(
        default=0.0,
        description="Engage only threats whose expected damage (probability of hitting each "
        "defended asset times its value, summed) exceeds this.",
    )
    shots_per_engagement: Count = Field(
        default=1,
        ge=1,
        le=4,
        description="Rounds fired at a threat in one engagement (a salvo). With the wta fire "
        "control, the most it fires at once: one when shoot_look_shoot applies.",
    )
    shoot_look_shoot: bool = Field(
        default=True,
        description="wta fire control: fire one round when the window leaves time for a second "
        "after kill assessment, a salvo of shots_per_engagement when it does not.",
    )
    kill_assessment_s: NonNegative = Field(
        default=2.0,
        le=600,
        description="Time from an interceptor's burst to knowing its outcome, s.",
    )
    interceptor_cost_weight: NonNegative = Field(
        default=0.0,
        le=1e9,
        description="wta fire control: value of one US dollar of interceptor against the "
        "assets' values; a round is fired only where the expected damage it saves is worth "
        "more than its cost. 0 ignores the cost.",
    )
    reserve_rounds: Count = Field(
        default=0,
        ge=0,
        le=1000,
        description="wta fire control: rounds of each launcher held back for threats a round "
        "saves at least reserve_release_damage of expected damage from.",
    )
    reserve_release_damage: NonNegative = Field(
        default=0.0, le=1e15, description="See reserve_rounds (in the assets' value units)."
    )
    engage_outside_assets: bool = Field(
        default=False, description="Also engage threats predicted to fall outside every asset."
    )
    asset_margin_m: NonNegative = Field(
        default=250.0, description="A predicted impact this close to an asset threatens it."
    )
    min_intercept_altitude_m: NonNegative = 300.0
    decision_period_s: Annotated[float, Field(gt=0, le=30)] = 1.0
    assumed_ballistic_coefficient_kg_m2: Positive = Field(
        default=8000.0, description="Ballistic coefficient used to predict impact points."
    )
    threat_library: list[str] | None = Field(
        default=None,
        description="Ballistic threat types the battle manager identifies tracks as, by "
        "launch speed and drag: an identified type's ballistic coefficient sharpens the impact "
        "prediction. Default: every ballistic type of the catalog and the scenario; [] "
        "identifies none.",
    )
    alert_margin_m: NonNegative = Field(
        default=250.0,
        description="A zone counts as hit by an impact this close to it (warhead reach and "
        "prediction error not captured by the impact's covariance).",
    )
    alert_probability: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.3,
        description="Alert a zone once a threat's probability of landing in it (grown by the "
        "alert margin) reaches this.",
    )
    alert_lead_time_s: Positive = Field(
        default=90.0, description="Alert once the predicted time to impact is below this."
    )


class ImmConfig(Strict):
    """Model set of the IMM trackers: nearly constant velocity, nearly constant acceleration
    (manoeuvres, boost) and one ballistic model per ballistic coefficient."""

    ncv_noise_mps2: Positive = Field(
        default=2.0, description="White-noise acceleration of the constant-velocity model."
    )
    maneuver_jerk_mps3: Positive = Field(
        default=30.0, description="White jerk of the constant-acceleration model (per √s)."
    )
    ballistic_coefficients_kg_m2: list[Annotated[float, Field(ge=100, le=1e6)]] = Field(
        default=[4000.0, 15000.0], min_length=1, max_length=6
    )
    ballistic_noise_mps2: Positive = 2.0
    stay_probability: Annotated[float, Field(gt=0, lt=1)] = 0.98
    init_acceleration_sigma_mps2: Positive = 50.0


class TrackerConfig(Strict):
    """Tracker by registry name, with its settings."""

    name: Literal["gnn_imm", "gnn_ekf", "jpda_imm", "jpda_ekf"] = Field(
        default="gnn_imm",
        description="gnn_imm: IMM (NCV, NCA, ballistic bank) with GNN association; "
        "gnn_ekf: one nearly-constant-velocity extended Kalman filter with GNN; jpda_*: the "
        "same filters with JPDA (belief propagation) for confirmed tracks.",
    )
    process_noise_mps2: Positive = Field(
        default=30.0, description="White-noise acceleration of the gnn_ekf filter, m/s²."
    )
    gate_probability: Probability = 0.9999
    confirm_hits: Count = Field(default=3, ge=1, le=16)
    confirm_window: Count = Field(default=4, ge=1, le=16)
    delete_misses: Count = Field(default=3, ge=1, le=60)
    init_velocity_sigma_mps: Positive = 600.0
    max_speed_mps: Positive = Field(
        default=2000.0, description="Fastest target: bounds the gate of a one-plot track."
    )
    initiation: Literal["score", "m_of_n"] = Field(
        default="score",
        description="score: confirm by the track's log-likelihood ratio (SPRT), at most "
        "confirm_window scans; m_of_n: confirm_hits of confirm_window.",
    )
    detection_probability: Annotated[float, Field(gt=0, lt=1)] = 0.9
    false_track_probability: Annotated[float, Field(gt=0, lt=0.5)] = 1e-4
    lost_track_probability: Annotated[float, Field(gt=0, lt=0.5)] = 0.01
    clutter_density: Positive = Field(
        default=1e-5,
        description="False plots per scan per m·rad², for radars without a stated false-plot "
        "rate and coverage.",
    )
    imm: ImmConfig = ImmConfig()

    @model_validator(mode="after")
    def _m_of_n(self) -> Self:
        if self.confirm_hits > self.confirm_window:
            raise ValueError("confirm_hits must not exceed confirm_window")
        return self


class FireControlConfig(Strict):
    """Fire control by registry name."""

    name: Literal["greedy", "wta"] = Field(
        default="greedy",
        description="greedy: threats by threatened value, each to the launcher that meets it "
        "first; wta: weapon-target assignment over every battery by expected damage.",
    )


class SimConfig(Strict):
    """Clock settings."""

    dt_s: Annotated[float, Field(gt=0, le=1)] = 0.1
    max_time_s: Annotated[float, Field(gt=0, le=86_400)] = 900.0
    truth_step_s: Annotated[float, Field(gt=0, le=60)] = 1.0


class Deployment(Strict):
    """What is deployed and what it defends, with no attack: radars, batteries, defended
    assets, alert zones and the battle manager's settings.

    A live feed runs on one (``cupola feed --sensors``, :mod:`cupola.scenario.sensors`); a
    :class:`Scenario` adds the clock and the raid.
    """

    schema_version: Literal[1]
    name: Name
    description: str = ""
    origin: GeoPoint
    assets: list[Asset] = Field(min_length=1)
    alert_zones: AlertZones = AlertZones()
    radars: list[Radar] = Field(min_length=1)
    batteries: list[Battery] = Field(default_factory=list)
    interceptor_types: list[InterceptorType] = Field(default_factory=list)
    threat_types: list[ThreatType] = Field(default_factory=list)
    doctrine: Doctrine = Doctrine()
    tracker: TrackerConfig = TrackerConfig()
    fire_control: FireControlConfig = FireControlConfig()


class Scenario(Deployment):
    """A complete scenario, ``schema_version: 1``: a deployment, the clock and the raid."""

    sim: SimConfig = SimConfig()
    raid: Raid
    sustainment: Sustainment | None = Field(
        default=None,
        description="A campaign of raids over days (`cupola sustain`); `cupola run` "
        "simulates the raid once.",
    )


class Catalog(Strict):
    """Built-in threat and interceptor types, referenced by name from scenarios."""

    schema_version: Literal[1]
    interceptor_types: list[InterceptorType]
    threat_types: list[ThreatType]
