"""Provider contracts: response fixtures and schema slices taken from what each provider publishes, with
their provenance, and a validator that names the provider and the field when a payload drifts from them.

    from testing.contracts import contract, fixtures
    for fixture in fixtures("data_axle"):
        ...                                   # fixture.response() -> httpx.Response
    contract("data_axle").check("MatchResponse", mock.match_body())
"""

from testing.contracts.loader import (
    CONTRACTS_DIR,
    Contract,
    Expectation,
    Fixture,
    FixtureError,
    Source,
    contract,
    fixtures,
    providers,
)
from testing.contracts.schema import ContractViolation, Violation, violations

__all__ = [
    "CONTRACTS_DIR",
    "Contract",
    "ContractViolation",
    "Expectation",
    "Fixture",
    "FixtureError",
    "Source",
    "Violation",
    "contract",
    "fixtures",
    "providers",
    "violations",
]
