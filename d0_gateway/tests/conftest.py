"""Fixtures shared by d0_gateway's test targets: a respx router injected as the transport, a gateway on a
FakeClock with placeholder credentials, and one mock factory per provider."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from d0_gateway import Gateway, GatewaySettings, build_gateway
from d0_gateway.settings import DEFAULT_PROVIDERS
from testing import FakeClock
from testing.mocks import (
    DataAxleMock,
    GooglePlacesMock,
    HunterMock,
    OpenAIMock,
    PageSpeedMock,
    ScreenshotOneMock,
    SemrushMock,
    SendGridMock,
    StripeMock,
)

# Every credential variable set to an obvious placeholder.
PLACEHOLDER_ENV = {env: "test-key" for p in DEFAULT_PROVIDERS.values() for env in p.credential_env.values()}


@pytest.fixture
def router() -> respx.MockRouter:
    """Routes for the mock factories; a request to an unmocked URL fails the test."""
    return respx.MockRouter(assert_all_called=False, assert_all_mocked=True)


@pytest.fixture
def transport(router: respx.MockRouter) -> httpx.MockTransport:
    return httpx.MockTransport(router.async_handler)


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings.from_env(PLACEHOLDER_ENV)


@pytest.fixture
async def gateway(
    settings: GatewaySettings, transport: httpx.MockTransport, fake_clock: FakeClock
) -> AsyncIterator[Gateway]:
    async with build_gateway(settings, transport=transport, clock=fake_clock, rng=random.Random(7)) as built:
        yield built


@pytest.fixture
def places(router: respx.MockRouter, request: pytest.FixtureRequest) -> GooglePlacesMock:
    return GooglePlacesMock(router, seed=request.node.name)


@pytest.fixture
def pagespeed_mock(router: respx.MockRouter, request: pytest.FixtureRequest) -> PageSpeedMock:
    return PageSpeedMock(router, seed=request.node.name)


@pytest.fixture
def openai_mock(router: respx.MockRouter, request: pytest.FixtureRequest) -> OpenAIMock:
    return OpenAIMock(router, seed=request.node.name)


@pytest.fixture
def sendgrid_mock(router: respx.MockRouter, request: pytest.FixtureRequest) -> SendGridMock:
    return SendGridMock(router, seed=request.node.name)


@pytest.fixture
def stripe_mock(router: respx.MockRouter, request: pytest.FixtureRequest) -> StripeMock:
    return StripeMock(router, seed=request.node.name)


@pytest.fixture
def hunter_mock(router: respx.MockRouter, request: pytest.FixtureRequest) -> HunterMock:
    return HunterMock(router, seed=request.node.name)


@pytest.fixture
def data_axle_mock(router: respx.MockRouter, request: pytest.FixtureRequest) -> DataAxleMock:
    return DataAxleMock(router, seed=request.node.name)


@pytest.fixture
def semrush_mock(router: respx.MockRouter, request: pytest.FixtureRequest) -> SemrushMock:
    return SemrushMock(router, seed=request.node.name)


@pytest.fixture
def screenshotone_mock(router: respx.MockRouter, request: pytest.FixtureRequest) -> ScreenshotOneMock:
    return ScreenshotOneMock(router, seed=request.node.name)
