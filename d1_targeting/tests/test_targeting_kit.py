"""The shared targeting test kit (testing/targeting) builds consistent, reproducible data."""

import re

import pytest
from hypothesis import given

from d1_targeting import (
    UNKNOWN_BUCKET,
    Coordinate,
    QuotaPolicy,
    city_key,
    city_table,
    default_bucket_assigner,
    haversine_miles,
    state_for_zip,
)
from testing import seeded_faker
from testing.targeting import CampaignBuilder, TargetBuilder, quota_policies, valid_zip_codes, zip_codes_in


def _row(target):
    return {
        column: getattr(target, column)
        for column in (
            "business_name",
            "vertical",
            "city",
            "state",
            "zip_code",
            "latitude",
            "longitude",
            "rating",
            "website",
        )
    }


def test_the_same_seed_builds_the_same_targets():
    first = TargetBuilder(seeded_faker("kit")).build_many(5)
    second = TargetBuilder(seeded_faker("kit")).build_many(5)
    assert [_row(target) for target in first] == [_row(target) for target in second]


def test_built_targets_are_geographically_consistent():
    for target in TargetBuilder(seeded_faker(3)).build_many(40):
        assert target.city is not None and target.state is not None
        assert target.latitude is not None and target.longitude is not None
        city = city_table()[(city_key(target.city), target.state)]
        if target.zip_code is not None:
            assert state_for_zip(target.zip_code) == target.state
        assert haversine_miles(city.location, Coordinate(target.latitude, target.longitude)) < 6


def test_built_targets_carry_the_buckets_of_their_final_fields():
    assigner = default_bucket_assigner()
    target = TargetBuilder(seeded_faker(4)).build(state="OH", vertical="dental")
    assert (target.geo_bucket, target.vertical_bucket) == (
        assigner.geo_bucket("OH"),
        assigner.vertical_bucket("dental"),
    )
    assert target.city in {city.name for city in city_table().values() if city.state == "OH"}


def test_a_target_without_a_state_has_no_zip_and_the_unknown_geo_bucket():
    target = TargetBuilder(seeded_faker(5)).build(state=None)
    assert (target.zip_code, target.geo_bucket) == (None, UNKNOWN_BUCKET)


def test_explicit_buckets_are_kept():
    assert TargetBuilder(seeded_faker(6)).build(geo_bucket="custom").geo_bucket == "custom"


def test_campaign_builder_makes_unique_active_campaigns_with_overrides():
    builder = CampaignBuilder(seeded_faker(7))
    campaigns = [builder.build(universe_id=1) for _ in range(5)] + [builder.build(2, priority_weight=9.0, active=False)]
    assert len({campaign.name for campaign in campaigns}) == 6
    assert all(0.5 <= campaign.priority_weight <= 5 and campaign.active for campaign in campaigns[:5])
    assert (campaigns[-1].universe_id, campaigns[-1].priority_weight, campaigns[-1].active) == (2, 9.0, False)


def test_zip_codes_in_refuses_a_territory_without_its_own_prefix():
    with pytest.raises(ValueError, match="no ZIP prefix is assigned to 'AS'"):
        zip_codes_in("AS")


@given(valid_zip_codes(plus_four=False))
def test_five_digit_zip_strategy_yields_assigned_five_digit_zips(zip_code):
    assert re.fullmatch(r"\d{5}", zip_code) and state_for_zip(zip_code)


@given(quota_policies())
def test_quota_policy_strategy_yields_valid_policies(policy):
    assert isinstance(policy, QuotaPolicy)
    assert 0 <= policy.campaign_cap <= policy.daily_quota
