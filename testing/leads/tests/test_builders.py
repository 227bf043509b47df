import uuid

import pytest

from testing import seeded_faker
from testing.leads import LEAD_SOURCES, SequentialIds, lead_payload, lead_payloads


def test_lead_payload_has_an_email_at_its_own_domain_and_a_known_source():
    payload = lead_payload(seeded_faker("payload"))
    assert payload["email"].endswith("@" + payload["domain"])
    assert payload["source"] in LEAD_SOURCES
    assert set(payload) == {"email", "domain", "company", "contact_name", "source"}


def test_lead_payload_overrides_replace_generated_fields():
    payload = lead_payload(seeded_faker(1), email=None, is_manual=True)
    assert payload["email"] is None and payload["is_manual"] is True


def test_lead_payloads_are_the_same_for_the_same_seed_and_differ_between_seeds():
    assert lead_payloads(5, seed="a") == lead_payloads(5, seed="a")
    assert lead_payloads(5, seed="a") != lead_payloads(5, seed="b")


def test_lead_payloads_never_repeat_an_email_or_domain():
    payloads = lead_payloads(60, seed=3)
    assert len({payload["email"] for payload in payloads}) == 60
    assert len({payload["domain"] for payload in payloads}) == 60


def test_sequential_ids_are_valid_uuids_in_order_and_remembered():
    ids = SequentialIds()
    issued = [ids(), ids(), ids()]
    assert [uuid.UUID(value).int & 0xFFFF for value in issued] == [0x0001, 0x0002, 0x0003]
    assert issued == ids.issued
    assert all(str(uuid.UUID(value)) == value for value in issued)


def test_sequential_ids_can_start_elsewhere_but_not_below_zero():
    assert SequentialIds(start=42)().endswith("000000000042")
    with pytest.raises(ValueError, match="must not be negative"):
        SequentialIds(start=-1)
