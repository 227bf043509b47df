"""Qualification rules: minimums are inclusive, a missing review count is zero, parse errors name the field."""

from d1_targeting import QualificationRules
from d1_targeting.qualification import parse_qualification_rules


def test_target_rated_exactly_the_minimum_qualifies_when_min_rating_is_set(target_builder):
    assert QualificationRules(min_rating=4.0).accepts(target_builder.build(rating=4.0)) is True


def test_target_with_exactly_the_minimum_reviews_qualifies_when_min_reviews_is_set(target_builder):
    assert QualificationRules(min_reviews=5).accepts(target_builder.build(review_count=5)) is True


def test_missing_review_count_counts_as_zero_reviews_when_one_review_is_required(target_builder):
    assert QualificationRules(min_reviews=1).accepts(target_builder.build(review_count=None)) is False


def test_absent_rules_parse_as_the_defaults_when_data_is_none():
    assert parse_qualification_rules(None) == (QualificationRules(), [])


def test_rules_that_are_not_an_object_are_reported_at_the_root_when_parsed():
    rules, problems = parse_qualification_rules(["min_rating"])
    assert rules is None
    assert len(problems) == 1
    assert problems[0].startswith("qualification_rules.(root): ")
    assert problems[0].endswith("(got ['min_rating'])")
