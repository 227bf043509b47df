"""Bounding boxes of the US (contiguous states, Alaska, Hawaii, territories) and circle containment.

The boxes are the published extreme points of each area, so they are generous over water but never cut
off land. Alaska's box stops at the antimeridian: the westernmost Aleutians (east longitudes) are not
covered, so a radius there is reported as leaving the country's bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from d1_targeting.coordinates import EARTH_RADIUS_MILES, Coordinate


@dataclass(frozen=True)
class BoundingBox:
    """A latitude/longitude box named after the area it bounds; west < east (no antimeridian crossing)."""

    name: str
    south: float
    north: float
    west: float
    east: float

    def contains(self, point: Coordinate) -> bool:
        """True when the point is inside the box (edges included)."""
        return self.south <= point.latitude <= self.north and self.west <= point.longitude <= self.east

    def contains_circle(self, center: Coordinate, radius_miles: float) -> bool:
        """True when every point within `radius_miles` of `center` lies inside the box.

        North/south: the distance to a parallel runs along the meridian. East/west: the circle's widest
        longitude offset is asin(sin(r/R) / cos(lat)), the exact tangent to a meridian on a sphere.
        """
        if not self.contains(center):
            return False
        angular = radius_miles / EARTH_RADIUS_MILES
        lat = math.radians(center.latitude)
        if angular >= math.pi / 2 - abs(lat):
            return False  # the circle reaches a pole, so it spans every longitude
        if math.radians(self.north - center.latitude) < angular or math.radians(center.latitude - self.south) < angular:
            return False
        half_width = math.degrees(math.asin(math.sin(angular) / math.cos(lat)))
        return center.longitude - half_width >= self.west and center.longitude + half_width <= self.east


US_REGIONS: tuple[BoundingBox, ...] = (
    BoundingBox("contiguous United States", 24.396308, 49.384358, -124.848974, -66.885444),
    BoundingBox("Alaska", 51.214183, 71.365162, -179.148909, -129.979500),
    BoundingBox("Hawaii", 18.910361, 28.402123, -178.334698, -154.806773),
    BoundingBox("Puerto Rico", 17.831509, 18.520601, -67.945404, -65.220703),
    BoundingBox("U.S. Virgin Islands", 17.623468, 18.464984, -65.154118, -64.512674),
    BoundingBox("Guam", 13.182335, 13.706179, 144.563426, 145.009167),
    BoundingBox("Northern Mariana Islands", 14.036565, 20.616556, 144.813338, 146.154418),
    BoundingBox("American Samoa", -14.601813, -10.997875, -171.141907, -168.101612),
)
"""Every area the US targets in: the contiguous states (with DC), Alaska, Hawaii and the territories."""


def region_containing(point: Coordinate) -> BoundingBox | None:
    """The US area whose box contains the point, or None when it is outside every one."""
    return next((region for region in US_REGIONS if region.contains(point)), None)


def circle_within_us(center: Coordinate, radius_miles: float) -> bool:
    """True when the whole circle fits inside a single US area's box."""
    return any(region.contains_circle(center, radius_miles) for region in US_REGIONS)
