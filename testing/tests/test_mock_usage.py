import json

import httpx
import pytest
import respx

from testing.mock_usage import OUTPUT_NAME, MockUsage, outcome_of_exception, outcome_of_status
from testing.mocks import GooglePlacesMock, ProviderMock, SemrushMock


class ExampleMock(ProviderMock):
    name = "example"
    base_url = "https://api.example.invalid/v1/"
    operations = {"list_items": ("GET", "/items"), "send": ("POST", "send")}


@pytest.fixture
def usage():
    recorder = MockUsage()
    recorder.current_test = "pkg/test_x.py::test_one"
    return recorder


@pytest.fixture
def router():
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mocked:
        yield mocked


@pytest.fixture
def example(router, usage):
    return ExampleMock(router, seed="mock-usage-tests", usage=usage)


def test_a_request_answered_by_a_route_is_recorded_for_the_running_test(example, usage):
    example.respond("GET", "/items", {"items": []})
    httpx.get("https://api.example.invalid/v1/items")
    assert usage.cells == {("example", "list_items", "success"): {"pkg/test_x.py::test_one"}}


def test_registering_a_route_without_a_request_records_nothing(example, usage):
    example.respond("GET", "/items", {"items": []})
    example.timeout("POST", "send")
    assert usage.cells == {}


def test_each_test_that_reaches_a_cell_is_counted_once(example, usage):
    example.respond("GET", "/items", {"items": []})
    for test in ("t::a", "t::a", "t::b"):
        usage.current_test = test
        httpx.get("https://api.example.invalid/v1/items")
    assert usage.cells[("example", "list_items", "success")] == {"t::a", "t::b"}


@pytest.mark.parametrize(
    "register, outcome",
    [
        ("rate_limited", "rate_limited"),
        ("unauthorized", "client_error"),
        ("not_found", "client_error"),
        ("unavailable", "server_error"),
        ("malformed", "malformed"),
    ],
)
def test_error_responses_are_recorded_with_their_outcome(example, usage, register, outcome):
    getattr(example, register)("POST", "send")
    httpx.post("https://api.example.invalid/v1/send")
    assert set(usage.cells) == {("example", "send", outcome)}


@pytest.mark.parametrize("register, outcome", [("timeout", "timeout"), ("connection_error", "connection_error")])
def test_transport_failures_are_recorded_before_they_reach_the_client(example, usage, register, outcome):
    getattr(example, register)("POST", "send")
    with pytest.raises(httpx.TransportError):
        httpx.post("https://api.example.invalid/v1/send")
    assert set(usage.cells) == {("example", "send", outcome)}


def test_a_sequence_records_each_answer_it_gives(example, usage):
    example.sequence("GET", "items", httpx.Response(503), httpx.Response(200, json={}))
    for _ in range(2):
        httpx.get("https://api.example.invalid/v1/items")
    assert set(usage.cells) == {("example", "list_items", "server_error"), ("example", "list_items", "success")}


def test_a_route_registered_again_as_success_is_no_longer_malformed(example, usage):
    example.malformed("GET", "/items")
    example.respond("GET", "/items", {"items": []})
    httpx.get("https://api.example.invalid/v1/items")
    assert set(usage.cells) == {("example", "list_items", "success")}


def test_an_undeclared_path_is_recorded_under_its_method_and_path(example, usage):
    example.respond("DELETE", "items/7")
    httpx.delete("https://api.example.invalid/v1/items/7")
    assert set(usage.cells) == {("example", "DELETE /items/7", "success")}


def test_a_factory_declares_its_operations_to_the_recorder_it_is_given(example, usage):
    assert usage.declared == {"example": {"list_items": ("GET", "/items"), "send": ("POST", "send")}}


@pytest.mark.parametrize(
    "status, outcome",
    [("OVER_QUERY_LIMIT", "rate_limited"), ("UNKNOWN_ERROR", "server_error"), ("REQUEST_DENIED", "client_error")],
)
def test_google_error_statuses_in_a_200_count_as_errors(router, usage, status, outcome):
    places = GooglePlacesMock(router, usage=usage)
    places.status_error(places.FIND_PLACE, status)
    httpx.get(places.url(places.FIND_PLACE))
    assert set(usage.cells) == {("google_places", "find_place", outcome)}


def test_semrush_error_lines_in_a_200_count_as_client_errors(router, usage):
    semrush = SemrushMock(router, usage=usage)
    semrush.api_error(50, "NOTHING FOUND")
    httpx.get(semrush.url(semrush.OVERVIEW))
    assert set(usage.cells) == {("semrush", "domain_overview", "client_error")}


@pytest.mark.parametrize(
    "status, outcome",
    [(200, "success"), (302, "success"), (400, "client_error"), (428, "client_error"), (429, "rate_limited")]
    + [(430, "client_error"), (499, "client_error"), (500, "server_error"), (504, "server_error")],
)
def test_outcome_of_status_splits_at_400_429_and_500(status, outcome):
    assert outcome_of_status(status) == outcome


@pytest.mark.parametrize(
    "error, outcome",
    [
        (httpx.ReadTimeout("t"), "timeout"),
        (httpx.ConnectTimeout("t"), "timeout"),
        (httpx.ConnectError("c"), "connection_error"),
        (httpx.ReadError("r"), "connection_error"),
        (ValueError("v"), "other_error"),
    ],
)
def test_outcome_of_exception_follows_httpx_hierarchy(error, outcome):
    assert outcome_of_exception(error) == outcome


def test_recording_an_unknown_outcome_is_refused_naming_it(usage):
    with pytest.raises(ValueError, match="unknown mock outcome 'teapot'"):
        usage.record("example", "send", "teapot")


def test_a_request_outside_any_test_is_recorded_as_such(example, usage):
    usage.current_test = None
    example.respond("GET", "/items", {})
    httpx.get("https://api.example.invalid/v1/items")
    assert usage.cells[("example", "list_items", "success")] == {"<outside a test>"}


def test_write_puts_declared_operations_and_cells_with_their_tests_in_mock_usage_json(example, usage, tmp_path):
    example.respond("GET", "/items", {})
    httpx.get("https://api.example.invalid/v1/items")
    path = usage.write(str(tmp_path), "//pkg:x_test")
    assert path == str(tmp_path / OUTPUT_NAME)
    assert json.loads((tmp_path / OUTPUT_NAME).read_text()) == {
        "version": 1,
        "target": "//pkg:x_test",
        "declared": {"example": {"list_items": ["GET", "/items"], "send": ["POST", "send"]}},
        "cells": [
            {
                "provider": "example",
                "operation": "list_items",
                "outcome": "success",
                "tests": ["pkg/test_x.py::test_one"],
            }
        ],
    }
