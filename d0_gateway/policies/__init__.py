"""The gateway's policies, each usable on its own: rate limiter, retries, circuit breaker, cache, ledger, budget."""
