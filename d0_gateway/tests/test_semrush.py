import pytest
from hypothesis import given, settings

from d0_gateway import (
    AuthenticationError,
    DomainOverview,
    InvalidInput,
    InvalidRequest,
    NotFound,
    ProviderResponseError,
    ProviderUnavailable,
    QuotaExhausted,
)
from d0_gateway.providers.semrush import parse_semicolon_table
from testing.mocks import SemrushMock
from testing.mocks.strategies import semrush_overview_values


async def test_domain_overview_parses_the_semicolon_table(gateway, semrush_mock):
    route = semrush_mock.domain_overview("acme.com", "us", **{"Rank": 1234, "Organic Traffic": 5678})
    overview = await gateway.semrush.domain_overview("ACME.com")
    assert (overview.domain, overview.database, overview.rank, overview.organic_traffic) == (
        "acme.com",
        "us",
        1234,
        5678,
    )
    params = route.calls.last.request.url.params
    assert (params["type"], params["domain"], params["database"], params["key"]) == (
        "domain_ranks",
        "acme.com",
        "us",
        "test-key",
    )
    assert params["export_columns"] == "Db,Dn,Rk,Or,Ot,Oc,Ad,At,Ac"


async def test_nothing_found_is_not_found(gateway, semrush_mock):
    semrush_mock.api_error(50, "NOTHING FOUND")
    with pytest.raises(NotFound, match=r"NOTHING FOUND \(ERROR 50\)"):
        await gateway.semrush.domain_overview("unknown-domain.com")


async def test_wrong_key_is_an_authentication_error(gateway, semrush_mock):
    semrush_mock.api_error(120, "WRONG KEY - ID PAIR")
    with pytest.raises(AuthenticationError, match=r"WRONG KEY - ID PAIR \(ERROR 120\)"):
        await gateway.semrush.domain_overview("acme.com")


async def test_zero_unit_balance_is_quota_exhausted_and_not_retried(gateway, semrush_mock):
    route = semrush_mock.api_error(132, "API UNITS BALANCE IS ZERO")
    with pytest.raises(QuotaExhausted, match=r"API UNITS BALANCE IS ZERO \(ERROR 132\)"):
        await gateway.semrush.domain_overview("acme.com")
    assert route.call_count == 1


async def test_other_api_errors_are_invalid_requests(gateway, semrush_mock):
    semrush_mock.api_error(40, "MANDATORY PARAMETER 'database' NOT SET")
    with pytest.raises(InvalidRequest, match="ERROR 40"):
        await gateway.semrush.domain_overview("acme.com")


async def test_server_error_is_provider_unavailable_with_its_text(gateway, semrush_mock):
    semrush_mock.unavailable("GET", semrush_mock.OVERVIEW, status=502)
    with pytest.raises(ProviderUnavailable, match="BAD GATEWAY"):
        await gateway.semrush.domain_overview("acme.com")


async def test_a_non_numeric_metric_names_its_column(gateway, semrush_mock):
    semrush_mock.domain_overview("acme.com", **{"Organic Traffic": "n/a"})
    with pytest.raises(ProviderResponseError, match="semrush domain_overview .*field 'Organic Traffic'"):
        await gateway.semrush.domain_overview("acme.com")


async def test_a_row_with_missing_columns_names_its_line(gateway, semrush_mock):
    semrush_mock.text("Database;Domain;Rank\r\nus;acme.com\r\n")
    with pytest.raises(ProviderResponseError, match="field 'line 2'"):
        await gateway.semrush.domain_overview("acme.com")


async def test_a_header_without_data_is_a_response_error(gateway, semrush_mock):
    semrush_mock.text("Database;Domain;Rank\r\n")
    with pytest.raises(ProviderResponseError, match="field 'body'"):
        await gateway.semrush.domain_overview("acme.com")


@pytest.mark.parametrize("database", ["usa", "U", "", "u1"])
async def test_an_unknown_database_code_is_rejected(gateway, database):
    with pytest.raises(InvalidInput, match="region code"):
        await gateway.semrush.domain_overview("acme.com", database=database)


def test_error_helper_rejects_a_success_status(router):
    with pytest.raises(ValueError, match="4xx/5xx"):
        SemrushMock(router).error("GET", "/", 200)


@settings(max_examples=30)
@given(values=semrush_overview_values())
def test_every_valid_row_round_trips_through_the_table_parser(values):
    text = SemrushMock.overview_text(values)
    overview = DomainOverview.model_validate(parse_semicolon_table(text, "domain_overview")[0])
    assert (overview.domain, overview.rank, overview.organic_cost) == (
        values["Domain"],
        values["Rank"],
        float(values["Organic Cost"]),
    )


async def test_a_database_that_is_not_a_region_code_is_refused_with_the_whole_reason(gateway):
    with pytest.raises(InvalidInput) as caught:
        await gateway.semrush.domain_overview("acme.com", database="USA")
    assert str(caught.value) == "semrush domain_overview: database must be a region code such as 'us', got 'USA'"
