"""Latitude/longitude points and great-circle (haversine) distances in statute miles."""

from __future__ import annotations

import math
from dataclasses import dataclass

from d1_targeting.errors import GeoValidationError

EARTH_RADIUS_MILES = 3958.8
"""Mean Earth radius (IUGG), in statute miles."""


@dataclass(frozen=True)
class Coordinate:
    """A WGS84 point in decimal degrees; construction rejects values off the globe."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        for name, value, bound in (("latitude", self.latitude, 90.0), ("longitude", self.longitude, 180.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise GeoValidationError(f"{name} must be a number of degrees, got {value!r}")
            if not math.isfinite(value) or abs(value) > bound:
                raise GeoValidationError(f"{name} {value!r} is outside [-{bound:g}, {bound:g}] degrees")

    def __str__(self) -> str:
        return f"({self.latitude:.4f}, {self.longitude:.4f})"


def haversine_miles(a: Coordinate, b: Coordinate) -> float:
    """Great-circle distance between two points in miles, by the haversine formula."""
    phi1, phi2 = math.radians(a.latitude), math.radians(b.latitude)
    d_phi = phi2 - phi1
    d_lambda = math.radians(b.longitude - a.longitude)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))
