"""Google's API error body (`{"error": {"code", "message", "status", "errors": [{"reason"}], "details"}}`),
shared by PageSpeed Insights and the Places web service's HTTP-level errors: quota or passing rate limit.

Docs: https://cloud.google.com/apis/design/errors, https://developers.google.com/speed/docs/insights/v5/reference
"""

from __future__ import annotations

from typing import Any

from d0_gateway.responses import ErrorKind

# Reasons Google's legacy error format gives for a used-up daily or project quota.
QUOTA_REASONS = frozenset({"dailyLimitExceeded", "quotaExceeded", "dailyLimitExceededUnreg"})
# Reasons for "too many requests right now".
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def google_api_error_kind(body: Any) -> ErrorKind | None:
    """QUOTA_EXHAUSTED for a daily or project quota used up, RATE_LIMITED for a passing limit, else None.

    Google answers both with 429 RESOURCE_EXHAUSTED (or, in its legacy format, 403 with a reason); a daily
    quota names itself in the reason or in the message ("... limit 'Queries per day' ...").
    """
    error = body["error"]
    reasons = {item.get("reason") for item in error.get("errors") or [] if isinstance(item, dict)}
    message = str(error.get("message", "")).lower()
    if reasons & QUOTA_REASONS or (error.get("status") == "RESOURCE_EXHAUSTED" and "per day" in message):
        return ErrorKind.QUOTA_EXHAUSTED
    if reasons & RATE_REASONS or error.get("status") == "RESOURCE_EXHAUSTED":
        return ErrorKind.RATE_LIMITED
    return None
