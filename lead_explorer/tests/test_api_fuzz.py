"""The API, fuzzed from its own OpenAPI document: no generated request, valid or not, gets a server error."""

from functools import lru_cache

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lead_explorer import (
    LeadRepository,
    create_app,
    create_database_engine,
    create_schema,
    normalize_email,
    session_factory,
)
from testing.leads import SequentialIds, lead_payloads, openapi_requests

SEEDED_LEADS = 4


@lru_cache(maxsize=1)
def _service():
    """One app for the whole run, seeded with leads whose ids (and one enrichment task) are known."""
    engine = create_database_engine("sqlite://")
    create_schema(engine)
    ids = SequentialIds()
    repository = LeadRepository(session_factory(engine), new_id=ids)
    for payload in lead_payloads(SEEDED_LEADS, seed="fuzz"):
        repository.create_lead(actor="seed", **payload)
    repository.create_lead(actor="seed", domain="pending.example.com", enrich=True)
    return create_app(repository), repository, list(ids.issued)


def _requests():
    app, _, known = _service()
    return openapi_requests(
        app.openapi(), path_values={"lead_id": st.sampled_from(known), "task_id": st.sampled_from(known)}
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=_requests())
async def test_no_generated_request_gets_a_server_error_or_an_undocumented_status(request):
    app, repository, _ = _service()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fuzz.test") as client:
        response = await client.request(**request.httpx_arguments())
    assert response.status_code < 500, f"{request.operation.label} -> {response.status_code}: {response.text}"
    if request.conforms:
        assert response.status_code in request.operation.documented_statuses, request.operation.label
    body = response.json() if response.headers.get("content-type") == "application/json" else None
    lead = body.get("lead", body) if isinstance(body, dict) else None
    if response.is_success and isinstance(lead, dict) and "email" in lead:
        assert lead["email"] is None or normalize_email(lead["email"]) == lead["email"]
        assert lead["email"] is not None or lead["domain"] is not None
    assert repository.verify_audit_chain().valid
