import httpx
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
from d0_gateway.providers.semrush import COLUMN_TITLES, parse_semicolon_table, semrush_error_kind
from d0_gateway.responses import ErrorKind
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


@pytest.mark.parametrize(
    "code, kind",
    [
        (50, ErrorKind.NOT_FOUND),
        (132, ErrorKind.QUOTA_EXHAUSTED),
        *[(code, ErrorKind.AUTHENTICATION) for code in (70, 120, 121, 122, 130, 131, 133, 134, 135)],
        (40, ErrorKind.INVALID_REQUEST),
        (51, ErrorKind.INVALID_REQUEST),
    ],
)
def test_each_documented_error_code_has_its_kind(code, kind):
    assert semrush_error_kind(code) is kind


def test_an_error_body_becomes_the_typed_error_with_message_and_code():
    with pytest.raises(NotFound) as caught:
        parse_semicolon_table("ERROR 50 :: NOTHING FOUND  \r\n", "domain_overview")
    assert str(caught.value) == "semrush domain_overview: NOTHING FOUND (ERROR 50)"


def test_blank_lines_between_rows_are_ignored_and_rows_keyed_by_the_header():
    rows = parse_semicolon_table("Database;Domain\r\n\r\nus;acme.com\r\n  \r\nuk;acme.com\r\n", "domain_overview")
    assert rows == [{"Database": "us", "Domain": "acme.com"}, {"Database": "uk", "Domain": "acme.com"}]


def test_a_header_alone_is_refused_showing_the_body():
    with pytest.raises(ProviderResponseError) as caught:
        parse_semicolon_table("Database;Domain", "domain_overview")
    assert caught.value.problem == "expected a header line and a data line, got 'Database;Domain'"


def test_a_short_row_is_refused_naming_its_line_and_both_column_counts():
    with pytest.raises(ProviderResponseError) as caught:
        parse_semicolon_table("A;B;C\r\n1;2;3\r\n1;2", "domain_overview")
    assert (caught.value.field, caught.value.problem) == ("line 3", "has 2 columns, the header has 3")


async def test_no_line_for_the_requested_database_is_not_found_listing_those_sent(gateway, semrush_mock):
    header = ";".join(COLUMN_TITLES)
    row = "uk;acme.com;1;2;3;4;5;6;7"
    semrush_mock.route("GET", semrush_mock.OVERVIEW).mock(return_value=httpx.Response(200, text=f"{header}\r\n{row}"))
    with pytest.raises(NotFound) as caught:
        await gateway.semrush.domain_overview("acme.com", database="us")
    assert caught.value.reason == "no line for database 'us' (got uk)"


async def test_an_error_with_an_http_error_status_means_what_its_code_says(gateway, semrush_mock):
    semrush_mock.route("GET", semrush_mock.OVERVIEW).mock(
        return_value=httpx.Response(403, text="ERROR 132 :: API UNITS BALANCE IS ZERO")
    )
    with pytest.raises(QuotaExhausted) as caught:
        await gateway.semrush.domain_overview("acme.com")
    assert caught.value.reason == "ERROR 132 :: API UNITS BALANCE IS ZERO"


async def test_a_plain_bad_request_with_a_5xx_status_stays_retryable(gateway, semrush_mock):
    route = semrush_mock.route("GET", semrush_mock.OVERVIEW).mock(
        return_value=httpx.Response(502, text="ERROR 40 :: BAD REQUEST")
    )
    with pytest.raises(ProviderUnavailable):
        await gateway.semrush.domain_overview("acme.com")
    assert route.call_count == 3


async def test_the_request_asks_for_domain_ranks_with_the_export_columns(gateway, semrush_mock):
    route = semrush_mock.domain_overview("acme.com", database="uk")
    await gateway.semrush.domain_overview(" ACME.com ", database="uk")
    params = route.calls.last.request.url.params
    assert (params["type"], params["key"], params["domain"], params["database"]) == (
        "domain_ranks",
        "test-key",
        "acme.com",
        "uk",
    )
    assert params["export_columns"] == "Db,Dn,Rk,Or,Ot,Oc,Ad,At,Ac"


@pytest.mark.parametrize("database", ["us", "uk", "us-es"])
async def test_region_codes_with_an_optional_language_are_accepted(gateway, semrush_mock, database):
    semrush_mock.domain_overview("acme.com", database=database)
    assert (await gateway.semrush.domain_overview("acme.com", database=database)).database == database
