from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from d1_targeting import Claim, SchedulingError, fair_split
from testing.targeting import campaign_claims


def _capacity(claims):
    return sum(claim.limit for claim in claims.values() if claim.weight > 0)


def test_equal_weights_split_evenly():
    assert fair_split(90, {"a": Claim(1, 100), "b": Claim(1, 100), "c": Claim(1, 100)}) == {"a": 30, "b": 30, "c": 30}


def test_shares_follow_the_weights():
    assert fair_split(100, {"a": Claim(3, 100), "b": Claim(1, 100)}) == {"a": 75, "b": 25}


def test_a_capped_claimant_gets_its_limit_and_the_rest_is_shared_by_the_others():
    assert fair_split(100, {"a": Claim(8, 10), "b": Claim(1, 100), "c": Claim(1, 100)}) == {"a": 10, "b": 45, "c": 45}


def test_odd_units_go_to_the_largest_remainders_then_to_earlier_claimants():
    assert fair_split(10, {"a": Claim(1, 10), "b": Claim(1, 10), "c": Claim(1, 10)}) == {"a": 4, "b": 3, "c": 3}


def test_zero_weight_or_zero_limit_gets_nothing():
    assert fair_split(10, {"paused": Claim(0, 10), "empty": Claim(5, 0), "live": Claim(1, 10)}) == {
        "paused": 0,
        "empty": 0,
        "live": 10,
    }


def test_when_everyone_is_capped_the_remainder_stays_unallocated():
    assert fair_split(100, {"a": Claim(1, 20), "b": Claim(2, 30)}) == {"a": 20, "b": 30}


def test_nothing_to_split_gives_everyone_zero():
    assert fair_split(0, {"a": Claim(1, 5)}) == {"a": 0}
    assert fair_split(10, {}) == {}


@pytest.mark.parametrize("total", [-1, 2.5, True])
def test_total_must_be_a_non_negative_integer(total):
    with pytest.raises(SchedulingError, match=f"total to split must be an integer >= 0, got {total!r}"):
        fair_split(total, {})


@pytest.mark.parametrize(
    "weight, limit, message",
    [
        (-1, 5, "claim weight must be a finite number >= 0, got -1"),
        (float("nan"), 5, "got nan"),
        (1, -2, "claim limit must be an integer >= 0, got -2"),
        (1, 2.5, "got 2.5"),
    ],
)
def test_invalid_claims_are_rejected(weight, limit, message):
    with pytest.raises(SchedulingError, match=message):
        Claim(weight, limit)


@given(st.integers(0, 2000), campaign_claims())
def test_split_sums_exactly_to_the_quota_or_to_what_the_claimants_can_take(total, claims):
    shares = fair_split(total, claims)
    assert sum(shares.values()) == min(total, _capacity(claims))


@given(st.integers(0, 2000), campaign_claims())
def test_no_claimant_exceeds_its_limit_or_gets_units_without_weight(total, claims):
    shares = fair_split(total, claims)
    assert set(shares) == set(claims)
    for key, claim in claims.items():
        assert 0 <= shares[key] <= claim.limit
        if claim.weight == 0:
            assert shares[key] == 0


@given(st.integers(0, 2000), campaign_claims())
def test_uncapped_claimants_are_within_one_unit_of_their_proportional_share(total, claims):
    shares = fair_split(total, claims)
    uncapped = {key: claim for key, claim in claims.items() if claim.weight > 0 and shares[key] < claim.limit}
    pool = sum(shares[key] for key in uncapped)
    weight = sum(Fraction(claim.weight) for claim in uncapped.values()) or 1
    for key, claim in uncapped.items():
        assert abs(shares[key] - pool * Fraction(claim.weight) / weight) < 1


@given(st.integers(0, 2000), campaign_claims())
def test_a_heavier_uncapped_claimant_never_gets_less(total, claims):
    shares = fair_split(total, claims)
    for a, claim_a in claims.items():
        for b, claim_b in claims.items():
            if claim_a.weight > claim_b.weight and shares[a] < claim_a.limit:
                assert shares[a] >= shares[b]
