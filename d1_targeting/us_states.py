"""US states, the District of Columbia, territories and military "states" by USPS code."""

from __future__ import annotations

from types import MappingProxyType

from d1_targeting.errors import GeoValidationError

STATES = MappingProxyType(
    {
        "AL": "Alabama",
        "AK": "Alaska",
        "AZ": "Arizona",
        "AR": "Arkansas",
        "CA": "California",
        "CO": "Colorado",
        "CT": "Connecticut",
        "DE": "Delaware",
        "FL": "Florida",
        "GA": "Georgia",
        "HI": "Hawaii",
        "ID": "Idaho",
        "IL": "Illinois",
        "IN": "Indiana",
        "IA": "Iowa",
        "KS": "Kansas",
        "KY": "Kentucky",
        "LA": "Louisiana",
        "ME": "Maine",
        "MD": "Maryland",
        "MA": "Massachusetts",
        "MI": "Michigan",
        "MN": "Minnesota",
        "MS": "Mississippi",
        "MO": "Missouri",
        "MT": "Montana",
        "NE": "Nebraska",
        "NV": "Nevada",
        "NH": "New Hampshire",
        "NJ": "New Jersey",
        "NM": "New Mexico",
        "NY": "New York",
        "NC": "North Carolina",
        "ND": "North Dakota",
        "OH": "Ohio",
        "OK": "Oklahoma",
        "OR": "Oregon",
        "PA": "Pennsylvania",
        "RI": "Rhode Island",
        "SC": "South Carolina",
        "SD": "South Dakota",
        "TN": "Tennessee",
        "TX": "Texas",
        "UT": "Utah",
        "VT": "Vermont",
        "VA": "Virginia",
        "WA": "Washington",
        "WV": "West Virginia",
        "WI": "Wisconsin",
        "WY": "Wyoming",
    }
)
"""The 50 states."""

DISTRICT_AND_TERRITORIES = MappingProxyType(
    {
        "DC": "District of Columbia",
        "PR": "Puerto Rico",
        "VI": "U.S. Virgin Islands",
        "GU": "Guam",
        "AS": "American Samoa",
        "MP": "Northern Mariana Islands",
    }
)

MILITARY = MappingProxyType({"AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific"})

ALL_CODES = MappingProxyType({**STATES, **DISTRICT_AND_TERRITORIES, **MILITARY})
"""Every USPS state-level code this module accepts."""


def normalize_state(value: str) -> str:
    """Returns the USPS code for a code or full name in any case ("ny", "New York" -> "NY").

    Raises GeoValidationError naming the value when it is neither.
    """
    if not isinstance(value, str) or not value.strip():
        raise GeoValidationError(f"state must be a USPS code or name, got {value!r}")
    text = " ".join(value.split())
    code = text.upper()
    if code in ALL_CODES:
        return code
    for candidate, name in ALL_CODES.items():
        if name.lower() == text.lower():
            return candidate
    raise GeoValidationError(f"unknown US state or territory {value!r}")
