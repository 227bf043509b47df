"""Test kit for d1_targeting: Hypothesis strategies for geography, universes, campaigns and quotas,
Faker-backed builders for targets and campaigns, and empty databases for property tests."""

from testing.targeting.builders import CampaignBuilder, TargetBuilder
from testing.targeting.databases import empty_database_file, empty_memory_database
from testing.targeting.strategies import (
    campaign_claims,
    city_constraints,
    geo_scopes,
    malformed_zip_codes,
    quota_policies,
    radius_constraints,
    state_codes,
    universe_specs,
    us_points,
    valid_zip_codes,
    zip_codes_in,
)

__all__ = [
    "CampaignBuilder",
    "TargetBuilder",
    "campaign_claims",
    "city_constraints",
    "empty_database_file",
    "empty_memory_database",
    "geo_scopes",
    "malformed_zip_codes",
    "quota_policies",
    "radius_constraints",
    "state_codes",
    "universe_specs",
    "us_points",
    "valid_zip_codes",
    "zip_codes_in",
]
