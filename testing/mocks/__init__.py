"""respx mock factories for every external provider; the base class is ProviderMock."""

from testing.mocks.provider_mock import ProviderMock

__all__ = ["ProviderMock"]
