"""The deployment a live feed runs on without a scenario: ``cupola feed --sensors SENSORS.yaml
[--zones ZONES.geojson] [--assets ASSETS.geojson]``.

The sensors file is a scenario without its attack (:class:`~.schema.Deployment`): the same
``schema_version``, ``name``, ``origin``, ``radars``, ``batteries``, ``assets``,
``alert_zones``, ``doctrine``, ``tracker`` and ``fire_control`` sections, and no ``sim``,
``raid`` or ``sustainment``. The feed's radars are the file's, in its order: the n-th radar
(from 0) is the plots' ``sensor_id`` n (CAT048 SIC n). ``batteries`` may be empty: the feed
then tracks, predicts impacts and alerts, and recommends no engagement. Defended assets are
those listed under ``assets`` and those of ``--assets`` (:mod:`cupola.scenario.assets`), at
least one in all; the alert zones are those of ``--zones`` (:mod:`cupola.scenario.zones`), or
else the file's ``alert_zones`` (by default a grid over the assets).

Every problem is one :class:`~cupola.errors.ScenarioError` naming the file, the field and the
reason; a problem of an asset read from ``--assets`` names that file and its feature.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field

from cupola.core.files import parse_yaml, read_text
from cupola.errors import ScenarioError
from cupola.scenario.assets import load_assets
from cupola.scenario.load import check_deployment, validate, with_zone_file
from cupola.scenario.schema import AlertZones, Asset, Deployment


class SensorsFile(Deployment):
    """A deployment whose defended assets may all come from ``--assets``."""

    assets: list[Asset] = Field(default_factory=list)


def load_deployment(
    path: Path, zones: Path | None = None, assets: Path | None = None
) -> Deployment:
    """The deployment of a sensors file, with the zones and assets of GeoJSON files (module
    docstring).

    Raises
    ------
    ScenarioError
        A missing or unreadable file, bad YAML, an unknown or missing field, a bad value, a
        zone or asset that breaks a rule, or no defended asset at all.
    """
    source = str(path)
    data = parse_yaml(read_text(path, source, ScenarioError), source, ScenarioError)
    if "sensors" in data and "radars" not in data:
        raise ScenarioError(
            source,
            "sensors",
            "this is a `cupola track` sensors file (positions in metres); the feed reads a "
            "deployment: radars in latitude and longitude as in a scenario (docs/formats.md)",
        )
    for key in ("raid", "sim", "sustainment"):
        if key in data:
            raise ScenarioError(
                source, key, "a scenario's; a sensors file has no attack (give --scenario)"
            )
    site = with_zone_file(validate(data, source, SensorsFile), path.parent)
    if zones is not None:
        site = with_zone_file(
            site.model_copy(update={"alert_zones": AlertZones(geojson=str(zones))}), None
        )
    extra = load_assets(assets) if assets is not None else []
    everything = [*site.assets, *extra]
    if not everything:
        raise ScenarioError(
            source, "assets", "no defended assets: list them under assets or give --assets"
        )
    fields = {k: getattr(site, k) for k in Deployment.model_fields}
    dep = Deployment(**(fields | {"assets": everything}))
    try:
        check_deployment(dep, source)
    except ScenarioError as exc:
        raise _from_assets_file(exc, len(site.assets), assets) from None
    return dep


def _from_assets_file(exc: ScenarioError, own: int, assets: Path | None) -> ScenarioError:
    """``exc`` about an asset of the ``--assets`` file, named by that file's feature."""
    m = re.fullmatch(r"assets\.(\d+)(\.name)?.*", exc.field)
    if assets is None or m is None or int(m[1]) < own:
        return exc
    part = ".properties.name" if m[2] else ".geometry"
    return ScenarioError(str(assets), f"features.{int(m[1]) - own}{part}", exc.reason)
