"""respx factory for PageSpeed Insights v5 (runPagespeed) and the Google API error body."""

from __future__ import annotations

from typing import Any

import httpx
import respx

from testing.mocks.provider_mock import ProviderMock

CATEGORY_TITLES = {
    "performance": "Performance",
    "accessibility": "Accessibility",
    "best-practices": "Best Practices",
    "seo": "SEO",
}


class PageSpeedMock(ProviderMock):
    name = "pagespeed"
    base_url = "https://www.googleapis.com"
    RUN = "/pagespeedonline/v5/runPagespeed"
    operations = {"run": ("GET", RUN)}

    def result_body(self, url: str | None = None, **scores: float | None) -> dict[str, Any]:
        """A runPagespeed result; `scores` (0-1, keyed by category with _ for -) override random ones."""
        fake = self.fake
        url = url or f"https://www.{fake.domain_name()}/"
        categories: dict[str, Any] = {}
        for name, title in CATEGORY_TITLES.items():
            key = name.replace("-", "_")
            score = scores[key] if key in scores else round(fake.pyfloat(min_value=0.2, max_value=1), 2)
            categories[name] = {"id": name, "title": title, "score": score, "auditRefs": []}
        fcp = fake.random_int(600, 6000)
        return {
            "captchaResult": "CAPTCHA_NOT_NEEDED",
            "kind": "pagespeedonline#result",
            "id": url,
            "loadingExperience": {"initial_url": url},
            "lighthouseResult": {
                "requestedUrl": url,
                "finalUrl": url,
                "mainDocumentUrl": url,
                "lighthouseVersion": "12.2.1",
                "userAgent": (
                    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) Chrome/131.0.0.0 Mobile Safari/537.36"
                ),
                "fetchTime": fake.iso8601() + "Z",
                "categories": categories,
                "audits": {
                    "first-contentful-paint": {
                        "id": "first-contentful-paint",
                        "title": "First Contentful Paint",
                        "description": (
                            "First Contentful Paint marks the time at which the first text or image is painted."
                        ),
                        "score": round(max(0.0, 1 - fcp / 6000), 2),
                        "scoreDisplayMode": "numeric",
                        "numericValue": float(fcp),
                        "numericUnit": "millisecond",
                        "displayValue": f"{fcp / 1000:.1f} s",
                    }
                },
            },
            "analysisUTCTimestamp": fake.iso8601() + "Z",
        }

    def run(self, url: str | None = None, **scores: float | None) -> respx.Route:
        return self.respond("GET", self.RUN, self.result_body(url, **scores))

    def error_body(self, status: int) -> Any:
        reason = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED"}.get(status, "INTERNAL")
        message = (
            "Lighthouse returned error: FAILED_DOCUMENT_REQUEST."
            if status == 400
            else httpx.codes.get_reason_phrase(status)
        )
        return {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": "badRequest"}],
                "status": reason,
            }
        }
