"""Faker-backed builders of d1_targeting rows: realistic, internally consistent and seeded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from faker import Faker

from d1_targeting import BucketAssigner, Campaign, City, Target, city_table, default_bucket_assigner, zip3_table


class TargetBuilder:
    """Builds Target rows: a real reference city with a ZIP of its state, coordinates near the city,
    a known vertical, plausible reviews and contact details, and buckets assigned from those fields."""

    def __init__(self, faker: Faker, assigner: BucketAssigner | None = None) -> None:
        self._faker = faker
        self._assigner = assigner or default_bucket_assigner()
        self._cities = sorted(city_table().values(), key=lambda city: (city.state, city.name))
        self._cities_by_state: dict[str, list[City]] = {}
        for city in self._cities:
            self._cities_by_state.setdefault(city.state, []).append(city)
        self._zip_prefixes: dict[str, list[str]] = {}
        for prefix, state in sorted(zip3_table().items()):
            self._zip_prefixes.setdefault(state, []).append(prefix)
        self._verticals = sorted(self._assigner.verticals)

    def build(self, **overrides: Any) -> Target:
        """One target; keyword arguments replace generated fields (buckets follow the final fields)."""
        fake, pick = self._faker, self._faker.random.choice
        state: str | None = overrides.get("state")
        city = pick((self._cities_by_state.get(state) if state is not None else None) or self._cities)
        if "state" not in overrides:
            state = city.state
        fields: dict[str, Any] = {
            "business_name": fake.company(),
            "vertical": pick(self._verticals),
            "city": city.name,
            "state": state,
            "zip_code": self._zip_in(state),
            "latitude": round(city.location.latitude + fake.pyfloat(min_value=-0.05, max_value=0.05), 6),
            "longitude": round(city.location.longitude + fake.pyfloat(min_value=-0.05, max_value=0.05), 6),
            "rating": round(fake.pyfloat(min_value=1, max_value=5), 1),
            "review_count": fake.random_int(0, 400),
            "website": fake.url() if fake.boolean(85) else None,
            "phone": fake.phone_number() if fake.boolean(90) else None,
            "is_chain": fake.boolean(10),
        }
        fields.update(overrides)
        buckets = self._assigner.assign(fields["state"], fields["zip_code"], fields["vertical"])
        fields.setdefault("geo_bucket", buckets.geo)
        fields.setdefault("vertical_bucket", buckets.vertical)
        return Target(**fields)

    def build_many(self, count: int, **overrides: Any) -> list[Target]:
        """`count` targets sharing the given overrides."""
        return [self.build(**overrides) for _ in range(count)]

    def _zip_in(self, state: str | None) -> str | None:
        prefixes = self._zip_prefixes.get(state or "")
        if not prefixes:
            return None
        return f"{self._faker.random.choice(prefixes)}{self._faker.random_int(0, 99):02d}"


class CampaignBuilder:
    """Builds Campaign rows with unique names and a priority weight between 0.5 and 5."""

    def __init__(self, faker: Faker, created_at: datetime | None = None) -> None:
        self._faker = faker
        self._created_at = created_at or datetime(2026, 1, 1, tzinfo=UTC)
        self._count = 0

    def build(self, universe_id: int, **overrides: Any) -> Campaign:
        """One active campaign drawing from `universe_id`; keyword arguments replace generated fields."""
        self._count += 1
        fields: dict[str, Any] = {
            "name": f"{self._faker.catch_phrase()} #{self._count}",
            "universe_id": universe_id,
            "priority_weight": round(self._faker.pyfloat(min_value=0.5, max_value=5), 2),
            "active": True,
            "created_at": self._created_at,
        }
        fields.update(overrides)
        return Campaign(**fields)
