"""Seeded Faker instances, so generated test data is the same on every run and every machine."""

from __future__ import annotations

import zlib

from faker import Faker

DEFAULT_LOCALE = "en_US"


def seeded_faker(seed: int | str = 0, locale: str = DEFAULT_LOCALE) -> Faker:
    """A Faker whose output depends only on `seed` (an int, or a string such as a test id)."""
    fake = Faker(locale)
    fake.seed_instance(stable_seed(seed))
    return fake


def stable_seed(value: int | str) -> int:
    """A seed that is the same in every process for the same value (unlike hash(), which is salted)."""
    if isinstance(value, int):
        return value
    return zlib.crc32(value.encode("utf-8"))
