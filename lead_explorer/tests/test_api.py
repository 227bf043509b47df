import httpx
import pytest
from sqlalchemy import text

from batch_runner import edge
from lead_explorer import LeadRepository, create_app, create_database_engine, session_factory
from testing.leads import lead_payload


async def test_create_returns_201_with_the_normalised_lead(client):
    response = await client.post("/leads", json={"email": "Jane@ACME.com", "domain": "https://www.acme.com/"})
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["domain"], body["is_manual"]) == ("jane@acme.com", "acme.com", False)
    assert body["enrichment_status"] == "not_requested"


async def test_created_lead_can_be_fetched_by_its_id(client, faker):
    created = (await client.post("/leads", json=lead_payload(faker))).json()
    response = await client.get(f"/leads/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"domain": "not a domain"}, "domain"),
        ({"email": "a@acme.com", "company": "x" * 201}, "company"),
        ({"email": "a@acme.com", "contact_name": "bell\x07"}, "contact_name"),
        ({"email": "a@acme.com", "is_manual": "maybe"}, "is_manual"),
        ({"email": "a@acme.com", "unknown": 1}, "unknown"),
    ],
)
async def test_invalid_field_gets_422_naming_the_field_and_stores_nothing(client, body, field):
    response = await client.post("/leads", json=body)
    assert response.status_code == 422
    assert ["body", field] in [error["loc"] for error in response.json()["detail"]]
    assert (await client.get("/leads")).json()["total"] == 0


async def test_lead_without_email_or_domain_gets_422_naming_email(client):
    response = await client.post("/leads", json={"company": "Acme"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]
    assert "needs an email or a domain" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("field, second", [("email", {"email": "JANE@acme.com"}), ("domain", {"domain": "acme.com/x"})])
async def test_duplicate_gets_409_naming_the_conflicting_field(client, field, second):
    first = (await client.post("/leads", json={"email": "jane@acme.com", "domain": "acme.com"})).json()
    response = await client.post("/leads", json=second)
    assert response.status_code == 409
    assert (response.json()["field"], response.json()["existing_id"]) == (field, first["id"])
    assert response.json()["detail"].endswith(f"already belongs to lead {first['id']}")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_id_gets_404(client, method):
    kwargs = {"json": {"company": "x"}} if method == "PATCH" else {}
    response = await client.request(method, "/leads/00000000-0000-4000-8000-999999999999", **kwargs)
    assert response.status_code == 404
    assert "no lead with id" in response.json()["detail"]


async def test_malformed_id_gets_422_naming_the_path_parameter(client):
    response = await client.get("/leads/not-a-uuid")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "lead_id"]


async def test_list_filters_searches_and_pages_with_a_total(client, faker, fake_clock):
    for index in range(4):
        await client.post("/leads", json=lead_payload(faker, source="web" if index % 2 else "referral"))
        fake_clock.advance(1)
    await client.post("/leads", json={"email": "ceo@needle-corp.com"})
    page = (await client.get("/leads", params={"source": "web", "limit": 1})).json()
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (2, 1, 1, 0)
    found = (await client.get("/leads", params={"search": "NEEDLE"})).json()
    assert [lead["email"] for lead in found["items"]] == ["ceo@needle-corp.com"]


@pytest.mark.parametrize(
    "params, field",
    [({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"offset": -1}, "offset"), ({"offset": 10**9 + 1}, "offset")],
)
async def test_out_of_range_paging_gets_422_naming_the_parameter(client, params, field):
    response = await client.get("/leads", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


@pytest.mark.parametrize("field", ["search", "source"])
async def test_list_filter_with_control_characters_gets_422_naming_the_parameter(client, field):
    response = await client.get("/leads", params={field: "web\x00form"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


async def test_patch_changes_given_fields_and_records_the_actor(client):
    lead = (await client.post("/leads", json={"email": "a@acme.com", "company": "Acme"})).json()
    response = await client.patch(f"/leads/{lead['id']}", json={"company": "Acme Inc"}, headers={"X-Actor": "dana"})
    assert response.status_code == 200
    assert (response.json()["company"], response.json()["email"]) == ("Acme Inc", "a@acme.com")
    trail = (await client.get(f"/leads/{lead['id']}/audit")).json()
    assert [(entry["action"], entry["actor"]) for entry in trail] == [("lead.created", "api"), ("lead.updated", "dana")]
    assert "company" in trail[1]["changed_fields"]


async def test_patch_with_an_invalid_email_gets_422_and_keeps_the_lead(client):
    lead = (await client.post("/leads", json={"email": "a@acme.com"})).json()
    response = await client.patch(f"/leads/{lead['id']}", json={"email": "broken@"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]
    assert (await client.get(f"/leads/{lead['id']}")).json()["email"] == "a@acme.com"


async def test_patch_setting_is_manual_to_null_gets_422_naming_it(client):
    lead = (await client.post("/leads", json={"email": "a@acme.com"})).json()
    response = await client.patch(f"/leads/{lead['id']}", json={"is_manual": None})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "is_manual"]


async def test_actor_header_with_control_characters_gets_422_naming_the_header(client):
    response = await client.post("/leads", json={"email": "a@acme.com"}, headers={"X-Actor": "bob\x7f"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "X-Actor"]


async def test_delete_hides_the_lead_but_keeps_its_audit_trail(client):
    lead = (await client.post("/leads", json={"email": "a@acme.com"})).json()
    deleted = await client.delete(f"/leads/{lead['id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted_at"] is not None
    assert (await client.get(f"/leads/{lead['id']}")).status_code == 404
    trail = (await client.get(f"/leads/{lead['id']}/audit")).json()
    assert [entry["action"] for entry in trail] == ["lead.created", "lead.deleted"]
    assert (await client.get("/leads", params={"include_deleted": True})).json()["total"] == 1


async def test_audit_verification_reports_a_valid_chain(client):
    await client.post("/leads", json={"email": "a@acme.com"})
    report = (await client.get("/audit/verify")).json()
    assert (report["valid"], report["entries_checked"]) == (True, 1)


async def test_audit_verification_reports_tampering(client, engine):
    await client.post("/leads", json={"email": "a@acme.com"})
    with engine.begin() as connection:
        connection.execute(text("UPDATE lead_audit_log SET actor = 'mallory'"))
    report = (await client.get("/audit/verify")).json()
    assert (report["valid"], report["broken_at_sequence"]) == (False, 1)


async def test_health_reports_ok_when_the_database_answers(client):
    response = await client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


async def test_health_reports_503_when_the_database_is_unreachable(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'leads.sqlite3'}")
    app = create_app(LeadRepository(session_factory(engine)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/health")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "database": "unreachable"})


async def test_openapi_lead_schema_requires_every_stored_lead_field_in_order(client):
    lead = (await client.get("/openapi.json")).json()["components"]["schemas"]["LeadOut"]
    fields = [
        "id",
        "email",
        "domain",
        "company",
        "contact_name",
        "source",
        "is_manual",
        "enrichment_status",
        "enrichment_task_id",
        "enrichment_error",
        "enriched_at",
        "created_at",
        "updated_at",
        "deleted_at",
    ]
    assert (list(lead["properties"]), lead["required"], lead["description"]) == (fields, fields, "A stored lead.")


async def test_openapi_document_lists_every_operation(client):
    document = (await client.get("/openapi.json")).json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert {
        ("POST", "/leads"),
        ("GET", "/leads"),
        ("GET", "/leads/{lead_id}"),
        ("PATCH", "/leads/{lead_id}"),
        ("DELETE", "/leads/{lead_id}"),
        ("GET", "/leads/{lead_id}/audit"),
        ("POST", "/leads/quick-add"),
        ("GET", "/enrichment-tasks/{task_id}"),
        ("GET", "/health"),
    } <= operations


async def test_patch_clearing_both_email_and_domain_conflicts_with_the_lead_and_keeps_it(client):
    lead = (await client.post("/leads", json={"email": "a@acme.com"})).json()
    response = await client.patch(f"/leads/{lead['id']}", json={"email": None})
    assert (response.status_code, response.json()["field"], response.json()["existing_id"]) == (409, "email", None)
    assert response.json()["detail"] == (
        "email: a lead needs an email or a domain; this change would leave it with neither"
    )
    assert (await client.get(f"/leads/{lead['id']}")).json()["email"] == "a@acme.com"


async def test_openapi_requires_an_email_or_a_domain_on_create_and_quick_add(client):
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name in ("LeadCreate", "QuickAddRequest"):
        assert [branch["required"] for branch in schemas[name]["anyOf"]] == [["email"], ["domain"]]


async def test_openapi_documents_the_edge_statuses_of_every_operation_with_a_body(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    for operation in (paths["/leads"]["post"], paths["/leads/quick-add"]["post"], paths["/leads/{lead_id}"]["patch"]):
        assert {"400", "408", "413", "422"} <= set(operation["responses"])


async def test_a_refused_text_field_gets_422_with_the_reason_but_not_the_value(client):
    response = await client.post("/leads", json={"domain": "zw.com", "company": "Secret\u200bName"})
    assert response.status_code == 422
    assert "U+200B at position 6" in response.json()["detail"][0]["msg"]
    assert "Secret" not in response.text


async def test_list_returns_the_newest_50_from_the_start_when_no_paging_is_given(client, repository, fake_clock):
    for index in range(51):
        repository.create_lead(actor="t", email=f"lead{index}@acme.com")
        fake_clock.advance(1)
    page = (await client.get("/leads")).json()
    assert (page["total"], len(page["items"]), page["limit"], page["offset"]) == (51, 50, 50, 0)
    assert (page["items"][0]["email"], page["items"][-1]["email"]) == ("lead50@acme.com", "lead1@acme.com")


@pytest.mark.parametrize("params", [{"limit": 200}, {"offset": 10**9}])
async def test_list_accepts_paging_at_its_upper_limit_when_listing(client, params):
    response = await client.get("/leads", params=params)
    assert response.status_code == 200
    assert {name: response.json()[name] for name in params} == params


@pytest.mark.parametrize("field, longest", [("search", 200), ("source", 100)])
async def test_list_filter_gets_422_naming_the_parameter_when_over_its_length_limit(client, field, longest):
    assert (await client.get("/leads", params={field: "a" * longest})).status_code == 200
    response = await client.get("/leads", params={field: "a" * (longest + 1)})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


async def test_list_filter_with_control_characters_gets_a_message_naming_the_parameter_and_reason(client):
    response = await client.get("/leads", params={"search": "web\x00form"})
    assert response.json()["detail"][0]["msg"].startswith("search: ")
    assert "web" not in response.json()["detail"][0]["msg"]


async def test_write_gets_503_with_retry_after_and_stores_nothing_when_it_keeps_colliding(client, colliding_audit_log):
    response = await client.post("/leads", json={"email": "b@acme.com"})
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    assert response.json() == {
        "detail": "create lead collided with concurrent writes 3 times; nothing was stored, retry"
    }
    assert [lead["email"] for lead in (await client.get("/leads")).json()["items"]] == ["a@acme.com"]


@pytest.mark.parametrize("header", [{}, {"X-Actor": "   "}])
async def test_change_is_recorded_as_made_by_api_when_the_actor_header_is_absent_or_blank(client, header):
    lead = (await client.post("/leads", json={"email": "a@acme.com"}, headers=header)).json()
    assert [entry["actor"] for entry in (await client.get(f"/leads/{lead['id']}/audit")).json()] == ["api"]


async def test_latin1_actor_header_is_recorded_as_written_when_it_is_not_utf8(client):
    lead = (
        await client.post("/leads", json={"email": "a@acme.com"}, headers={"X-Actor": "Zoë".encode("latin-1")})
    ).json()
    assert [entry["actor"] for entry in (await client.get(f"/leads/{lead['id']}/audit")).json()] == ["Zoë"]


async def test_delete_records_the_actor_when_the_header_names_one(client):
    lead = (await client.post("/leads", json={"email": "a@acme.com"})).json()
    await client.delete(f"/leads/{lead['id']}", headers={"X-Actor": "dana"})
    trail = (await client.get(f"/leads/{lead['id']}/audit")).json()
    assert [(entry["action"], entry["actor"]) for entry in trail] == [("lead.created", "api"), ("lead.deleted", "dana")]


async def test_openapi_document_names_the_service_and_its_version(client):
    info = (await client.get("/openapi.json")).json()["info"]
    assert (info["title"], info["version"]) == ("LeadFactory Lead Explorer", "1.0.0")
    assert info["description"] == (
        "Create, curate and audit leads. Every change is recorded in a tamper-evident audit log."
    )


async def test_openapi_email_and_domain_accept_a_formatted_value_blank_text_or_null(client):
    properties = (await client.get("/openapi.json")).json()["components"]["schemas"]["LeadCreate"]["properties"]
    email, domain = properties["email"]["anyOf"], properties["domain"]["anyOf"]
    assert email[0] == {"type": "string", "maxLength": 254, "format": "email", **edge.NOT_SPECIAL_USE_SCHEMA}
    assert domain[0] == {"type": "string", "maxLength": 2048, "format": "hostname"}
    assert email[1:] == [{"type": "string", "maxLength": 254, "pattern": r"^\s*$"}, {"type": "null"}]
    assert domain[1:] == [{"type": "string", "maxLength": 2048, "pattern": r"^\s*$"}, {"type": "null"}]


async def test_openapi_patch_fields_name_no_default_for_the_manual_flag(client):
    properties = (await client.get("/openapi.json")).json()["components"]["schemas"]["LeadUpdate"]["properties"]
    assert "default" not in properties["is_manual"]


@pytest.mark.parametrize("path", ["/leads", "/leads/quick-add"])
async def test_blank_email_is_stored_as_null_when_a_domain_is_given(client, path):
    response = await client.post(path, json={"email": "  ", "domain": "acme.com"})
    body = response.json().get("lead", response.json())
    assert (body["email"], body["domain"]) == (None, "acme.com")


async def test_quick_add_answers_with_the_task_and_where_to_follow_it(client):
    response = await client.post("/leads/quick-add", json={"domain": "acme.com", "source": "phone"})
    body = response.json()
    assert (response.status_code, body["lead"]["source"]) == (202, "phone")
    assert body["task_id"] == body["lead"]["enrichment_task_id"]
    assert body["status_url"] == f"http://lead-explorer.test/enrichment-tasks/{body['task_id']}"


async def test_undeclared_method_gets_405_listing_the_paths_methods(client):
    response = await client.put("/leads")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_body_over_the_apps_limit_gets_413_and_stores_nothing(repository):
    app = create_app(repository, limits=edge.GuardLimits(max_body_bytes=64))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        small = await client.post("/leads", json={"email": "a@acme.com"})
        large = await client.post("/leads", json={"email": "b@acme.com", "company": "x" * 64})
    assert (small.status_code, large.status_code) == (201, 413)
    assert [lead.email for lead in repository.list_leads().items] == ["a@acme.com"]
