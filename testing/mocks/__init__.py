"""respx mock factories for every external provider (base class ProviderMock) and Hypothesis strategies
for their payloads (testing.mocks.strategies)."""

from testing.mocks.data_axle import DataAxleMock
from testing.mocks.google_places import GooglePlacesMock
from testing.mocks.hunter import HunterMock
from testing.mocks.openai import OpenAIMock
from testing.mocks.pagespeed import PageSpeedMock
from testing.mocks.provider_mock import ProviderMock
from testing.mocks.screenshotone import ScreenshotOneMock, png_bytes
from testing.mocks.semrush import SemrushMock
from testing.mocks.sendgrid import SendGridMock
from testing.mocks.stripe import StripeMock

__all__ = [
    "DataAxleMock",
    "GooglePlacesMock",
    "HunterMock",
    "OpenAIMock",
    "PageSpeedMock",
    "ProviderMock",
    "ScreenshotOneMock",
    "SemrushMock",
    "SendGridMock",
    "StripeMock",
    "png_bytes",
]
