import asyncio
import json

import httpx
import pytest

from batch_runner import edge
from batch_runner.api import create_app
from testing.batches import make_leads


@pytest.fixture
def runner(make_runner):
    return make_runner(max_concurrency=1)


@pytest.fixture
async def client(runner):
    transport = httpx.ASGITransport(app=create_app(runner))
    async with httpx.AsyncClient(transport=transport, base_url="http://batches.test") as http:
        yield http


def _body(count, seed, batch_id="b1", budget="10.00"):
    return {
        "batch_id": batch_id,
        "budget_usd": budget,
        "leads": [lead.to_dict() for lead in make_leads(count, seed=seed)],
    }


def _events(text):
    """(event name, data) pairs of a server-sent-events body."""
    events = []
    for block in text.strip().split("\n\n"):
        name_line, data_line = block.split("\n")
        events.append((name_line.removeprefix("event: "), json.loads(data_line.removeprefix("data: "))))
    return events


async def _wait_until_finished(runner, batch_id="b1"):
    while runner.is_active(batch_id):
        await asyncio.sleep(0)


async def test_preview_estimates_each_provider_and_the_total(client):
    response = await client.post("/batches/preview", json={"leads": _body(4, "preview")["leads"], "budget_usd": "0.10"})
    assert response.status_code == 200
    body = response.json()
    assert {row["provider"]: row["calls"] for row in body["providers"]} == {"enrichment": 4, "website_assessment": 4}
    assert body["total_usd"] == "0.200000"
    assert body["over_budget"] is True


async def test_preview_has_no_budget_verdict_when_no_budget_is_given(client):
    response = await client.post("/batches/preview", json={"leads": _body(1, "no-budget")["leads"]})
    assert (response.status_code, response.json()["over_budget"]) == (200, None)


async def test_lead_failing_the_domain_rule_gets_422_in_the_validation_shape_with_its_row(client):
    leads = _body(1, "bad-domain")["leads"]
    leads[0]["domain"] = "localhost"
    response = await client.post("/batches/preview", json={"leads": leads})
    reason = "invalid domain: 'localhost' needs a top-level domain, like example.com"
    assert (response.status_code, response.json()) == (
        422,
        {
            "error": "LeadInputError",
            "problems": [{"line": 0, "column": "domain", "reason": reason}],
            "detail": [{"type": "value_error", "loc": ["body", "leads", 0, "domain"], "msg": f"domain: {reason}"}],
        },
    )


async def test_preview_rejects_bad_leads_with_the_row_and_reason(client):
    leads = _body(2, "bad-preview")["leads"]
    leads[1]["email"] = "not-an-email"
    response = await client.post("/batches/preview", json={"leads": leads})
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert (problem["line"], problem["column"]) == (1, "email")
    assert "not-an-email" in problem["reason"]


async def test_created_batch_waits_until_started(client, provider):
    response = await client.post("/batches", json=_body(2, "create"))
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["pending"], response.json()["active"]) == ("created", 2, False)
    assert sum(provider.calls.values()) == 0


async def test_creating_the_same_batch_twice_returns_it_unchanged(client):
    first = await client.post("/batches", json=_body(2, "twice"))
    second = await client.post("/batches", json=_body(2, "twice"))
    assert second.json() == first.json()


async def test_reusing_an_id_for_other_leads_conflicts(client):
    await client.post("/batches", json=_body(2, "one"))
    response = await client.post("/batches", json=_body(2, "two"))
    assert response.status_code == 409
    assert response.json()["error"] == "BatchConflictError"


async def test_started_batch_runs_to_completion(client, runner):
    await client.post("/batches", json=_body(3, "start"))
    response = await client.post("/batches/b1/start")
    assert response.status_code == 202
    await _wait_until_finished(runner)
    status = (await client.get("/batches/b1")).json()
    assert (status["status"], status["done"], status["spent_usd"]) == ("completed", 3, "0.150000")


async def test_batch_over_budget_is_refused_with_402_until_approved(client, provider):
    await client.post("/batches", json=_body(4, "budget", budget="0.05"))
    refused = await client.post("/batches/b1/start")
    assert refused.status_code == 402
    assert "approve at least $0.20" in refused.json()["detail"]
    assert sum(provider.calls.values()) == 0

    approved = await client.post("/batches/b1/approve", json={"max_cost_usd": "0.20"})
    assert approved.json()["needs_approval"] is False
    assert (await client.post("/batches/b1/start")).status_code == 202


async def test_approval_below_the_estimate_conflicts_with_the_batch_and_is_not_recorded(client):
    await client.post("/batches", json=_body(4, "low", budget="0.05"))
    response = await client.post("/batches/b1/approve", json={"max_cost_usd": "0.10"})
    assert (response.status_code, response.json()["error"]) == (409, "ApprovalTooLowError")
    assert (await client.get("/batches/b1")).json()["approved_cost_usd"] is None


async def test_list_shows_every_batch(client):
    await client.post("/batches", json=_body(1, "a", batch_id="first"))
    await client.post("/batches", json=_body(1, "b", batch_id="second"))
    listed = (await client.get("/batches")).json()
    assert sorted(batch["batch_id"] for batch in listed) == ["first", "second"]


async def test_unknown_batch_is_404(client):
    response = await client.get("/batches/ghost")
    assert response.status_code == 404
    assert "ghost" in response.json()["detail"]


async def test_results_list_each_lead_with_its_steps(client, runner):
    await client.post("/batches", json=_body(2, "results"))
    await client.post("/batches/b1/start")
    await _wait_until_finished(runner)
    results = (await client.get("/batches/b1/results")).json()
    assert [result["state"] for result in results] == ["done", "done"]
    assert set(results[0]["steps"]) == {"enrichment", "website_assessment"}


async def test_cancel_stops_a_running_batch(client, runner, provider):
    body = _body(3, "cancel")
    gate = provider.hold(body["leads"][0]["domain"])
    await client.post("/batches", json=body)
    await client.post("/batches/b1/start")
    await asyncio.sleep(0)
    response = await client.post("/batches/b1/cancel")
    assert response.status_code == 202
    gate.set()
    await _wait_until_finished(runner)
    status = (await client.get("/batches/b1")).json()
    assert (status["status"], status["pending"], status["running"]) == ("cancelled", 3, 0)


async def test_cancel_of_a_batch_that_is_not_running_conflicts(client):
    await client.post("/batches", json=_body(1, "idle"))
    response = await client.post("/batches/b1/cancel")
    assert response.status_code == 409
    assert "not running (status 'created')" in response.json()["detail"]


async def test_events_stream_progress_until_the_batch_finishes(client, runner, provider):
    body = _body(2, "stream")
    gate = provider.hold(body["leads"][0]["domain"])
    await client.post("/batches", json=body)
    await client.post("/batches/b1/start")
    stream = asyncio.create_task(client.get("/batches/b1/events"))
    while runner.progress.subscriber_count == 0:
        await asyncio.sleep(0)
    gate.set()
    response = await stream
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    assert [name for name, _ in events] == ["status", "lead_done", "lead_done", "finished"]
    assert events[0][1]["active"] is True
    assert (events[-1][1]["done"], events[-1][1]["total"]) == (2, 2)
    assert runner.progress.subscriber_count == 0


async def test_events_carry_compact_json_when_streamed(client):
    await client.post("/batches", json=_body(1, "compact"))
    response = await client.get("/batches/b1/events")
    assert response.text.startswith('event: status\ndata: {"batch_id":"b1","status":"created","active":false,')
    assert response.headers["cache-control"] == "no-cache"


async def test_events_of_an_idle_batch_give_only_its_status(client):
    await client.post("/batches", json=_body(1, "idle-events"))
    response = await client.get("/batches/b1/events")
    assert _events(response.text)[0][0] == "status"
    assert len(_events(response.text)) == 1


async def test_events_of_an_unknown_batch_are_404(client, runner):
    response = await client.get("/batches/ghost/events")
    assert response.status_code == 404
    assert runner.progress.subscriber_count == 0


async def test_invalid_budget_is_rejected_by_schema(client):
    response = await client.post("/batches", json=_body(1, "neg", budget="-1"))
    assert response.status_code == 422


async def test_invalid_batch_id_is_rejected_with_the_reason(client):
    response = await client.post("/batches", json=_body(1, "bad-id", batch_id="has space"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "batch_id"]


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/batches/b1/approve", {"max_cost_usd": 1e22}, "max_cost_usd"),
        ("/batches/ghost/approve", {"max_cost_usd": 1e22}, "max_cost_usd"),
        ("/batches", {**_body(1, "huge"), "budget_usd": 1e30}, "budget_usd"),
        ("/batches/preview", {"leads": _body(1, "nan")["leads"], "budget_usd": float("nan")}, "budget_usd"),
    ],
)
async def test_amount_over_the_maximum_or_not_finite_gets_422_naming_the_field(client, path, body, field):
    await client.post("/batches", json=_body(2, "b1"))
    response = await client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert [item["loc"][-1] for item in response.json()["detail"]] == [field]
    assert "input" not in response.json()["detail"][0]


async def test_over_long_business_name_gets_422_naming_it_without_echoing_it(client):
    leads = _body(1, "long")["leads"]
    leads[0]["business_name"] = "B" * 5000
    response = await client.post("/batches/preview", json={"leads": leads})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "leads", 0, "business_name"]
    assert "BBBB" not in response.text


async def test_budget_given_as_true_is_not_an_amount(client):
    response = await client.post("/batches", json={**_body(1, "bool"), "budget_usd": True})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].endswith("must be an amount of dollars (a number or a decimal string)")


async def test_budget_that_is_not_finite_gets_422_saying_so(client):
    body = {"leads": _body(1, "inf")["leads"], "budget_usd": float("inf")}
    response = await client.post(
        "/batches/preview", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.json()["detail"][0]["msg"].endswith("must be a finite amount of dollars")


async def test_repeated_leads_are_described_as_from_the_request_body(client):
    lead = _body(1, "same")["leads"][0]
    response = await client.post("/batches/preview", json={"leads": [lead, lead]})
    assert response.json()["detail"].startswith("1 problem(s) in request body 'leads':\nrequest body 'leads':1: column")


async def test_leads_repeating_one_another_get_409_listing_them(client):
    lead = _body(1, "same")["leads"][0]
    response = await client.post("/batches/preview", json={"leads": [lead, lead]})
    assert (response.status_code, response.json()["error"]) == (409, "DuplicateLeadsError")
    assert [problem["line"] for problem in response.json()["problems"]] == [1]


async def test_body_over_the_size_limit_gets_413_without_reaching_the_api(runner):
    app = create_app(runner, limits=edge.GuardLimits(max_body_bytes=1024))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://batches.test") as http:
        response = await http.post("/batches/preview", json={"leads": [], "pad": "x" * 2048})
    assert response.status_code == 413


async def test_openapi_names_the_api_and_its_version(client):
    info = (await client.get("/openapi.json")).json()["info"]
    assert (info["title"], info["version"]) == ("LeadFactory batch runner", "1.0")


async def test_openapi_describes_each_error_status_of_starting_a_batch(client):
    responses = (await client.get("/openapi.json")).json()["paths"]["/batches/{batch_id}/start"]["post"]["responses"]
    assert {status: responses[status]["description"] for status in ("402", "404", "409", "422")} == {
        "402": "Over budget without approval",
        "404": "No such batch",
        "409": "Conflicts with the batch's leads, state or estimate",
        "422": "Invalid input; nothing was created or spent",
    }


async def test_openapi_documents_every_status_the_api_answers(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    start = paths["/batches/{batch_id}/start"]["post"]["responses"]
    assert {"202", "400", "402", "404", "408", "409", "413", "422"} - set(start) == {"400", "408", "413"}
    assert {"400", "408", "413", "409", "422"} <= set(paths["/batches"]["post"]["responses"])
