"""Base of the respx mock factories: one subclass per external provider (d0_gateway adds them).

A factory registers routes on a respx router: realistic success bodies (seeded Faker) and every error
shape a provider produces, so tests never hand-write provider JSON:

    with respx.mock(assert_all_mocked=True) as router:
        places = GooglePlacesMock(router, seed="test_find_place")
        places.rate_limited("GET", "/maps/api/place/findplacefromtext/json", retry_after=2)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
import respx
from respx.models import SideEffectError

from testing.faker_data import seeded_faker
from testing.mock_usage import MALFORMED, RECORDER, MockUsage, outcome_of_exception, outcome_of_status


class ProviderMock:
    """Registers one provider's routes on a respx router. Subclasses set `name`, `base_url` and
    `operations` (name -> (method, path)), which the mock-usage report checks every outcome of."""

    name: ClassVar[str] = "provider"
    base_url: ClassVar[str] = "https://provider.invalid"
    operations: ClassVar[Mapping[str, tuple[str, str]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """The factories of testing.mocks declare their operations when imported, so a provider no test uses
        still shows its cells as unreached; test-local subclasses declare to the recorder they are given."""
        super().__init_subclass__(**kwargs)
        if cls.operations and cls.__module__.startswith(__package__ + "."):
            RECORDER.declare(cls.name, cls.operations)

    def __init__(self, router: respx.MockRouter, *, seed: int | str = 0, usage: MockUsage = RECORDER) -> None:
        self.router = router
        self.fake = seeded_faker(f"{self.name}:{seed}" if isinstance(seed, str) else seed)
        self.usage = usage
        if self.operations and self.name not in usage.declared:
            usage.declare(self.name, self.operations)

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this provider."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def route(self, method: str, path: str, **lookups: Any) -> respx.Route:
        """The respx route for `method path` (plus respx lookups such as params__contains=...); each request
        it answers is recorded as (provider, operation, outcome) for the mock-usage report."""
        route = self.router.add(
            _RecordingRoute(
                self, self.usage.operation_of(self.name, method, path), method=method, url=self.url(path), **lookups
            )
        )
        if isinstance(route, _RecordingRoute):  # respx reuses an equal route already registered
            route.factory, route.fixed_outcome = self, None
        return route

    def classify(self, response: httpx.Response) -> str:
        """The outcome a mocked response stands for; providers that report errors in 200 bodies override it."""
        return outcome_of_status(response.status_code)

    def respond(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **lookups: Any,
    ) -> respx.Route:
        """Answers `method path` with a JSON body (or an empty one when json is None)."""
        return self.route(method, path, **lookups).mock(return_value=httpx.Response(status, json=json, headers=headers))

    def error(
        self, method: str, path: str, status: int, json: Any = None, *, headers: dict[str, str] | None = None
    ) -> respx.Route:
        """Answers with an HTTP error status and the provider's error body."""
        if status < 400:
            raise ValueError(f"error() needs a 4xx/5xx status, got {status}")
        return self.respond(
            method, path, json if json is not None else self.error_body(status), status=status, headers=headers
        )

    def error_body(self, status: int) -> Any:
        """The provider's error JSON for `status`; subclasses return the provider's real shape."""
        return {"error": {"code": status, "message": httpx.codes.get_reason_phrase(status)}}

    def unauthorized(self, method: str, path: str) -> respx.Route:
        return self.error(method, path, 401)

    def not_found(self, method: str, path: str) -> respx.Route:
        return self.error(method, path, 404)

    def rate_limited(self, method: str, path: str, retry_after: float = 1) -> respx.Route:
        """429 with a Retry-After header (seconds)."""
        return self.error(method, path, 429, headers={"Retry-After": f"{retry_after:g}"})

    def unavailable(self, method: str, path: str, status: int = 503) -> respx.Route:
        return self.error(method, path, status)

    def timeout(self, method: str, path: str) -> respx.Route:
        """The request times out (httpx.ReadTimeout) before any response."""
        return self.route(method, path).mock(side_effect=httpx.ReadTimeout("mocked read timeout"))

    def connection_error(self, method: str, path: str) -> respx.Route:
        """The connection fails (httpx.ConnectError)."""
        return self.route(method, path).mock(side_effect=httpx.ConnectError("mocked connection refused"))

    def malformed(self, method: str, path: str, body: bytes = b"<html>502 Bad Gateway</html>") -> respx.Route:
        """200 with a body that is not JSON, as proxies and broken upstreams send."""
        route = self.route(method, path).mock(
            return_value=httpx.Response(200, content=body, headers={"Content-Type": "text/html"})
        )
        if isinstance(route, _RecordingRoute):
            route.fixed_outcome = MALFORMED
        return route

    def sequence(self, method: str, path: str, *responses: httpx.Response | Exception) -> respx.Route:
        """Answers successive calls with successive responses (or raised exceptions), e.g. 503 then 200."""
        return self.route(method, path).mock(side_effect=list(responses))


class _RecordingRoute(respx.Route):
    """A respx route that records each request it answers (or fails) in its factory's MockUsage."""

    def __init__(self, factory: ProviderMock, operation: str, *patterns: Any, **lookups: Any) -> None:
        super().__init__(*patterns, **lookups)
        self.factory = factory
        self.operation = operation
        self.fixed_outcome: str | None = None

    def match(self, request: httpx.Request) -> Any:
        try:
            result = super().match(request)
        except SideEffectError as error:
            self._record(outcome_of_exception(error.origin))
            raise
        if isinstance(result, httpx.Response):
            self._record(self.fixed_outcome or self.factory.classify(result))
        return result

    def _record(self, outcome: str) -> None:
        self.factory.usage.record(self.factory.name, self.operation, outcome)
