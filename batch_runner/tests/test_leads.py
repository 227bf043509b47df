from pathlib import Path

import pytest
from hypothesis import given

from batch_runner import (
    REQUIRED_COLUMNS,
    DuplicateLeadsError,
    Lead,
    LeadInputError,
    LeadProblem,
    load_leads_csv,
    normalize_domain,
    parse_leads_csv,
    validate_leads,
)
from testing.batches import lead_batches, leads_csv, make_leads


def _problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(LeadInputError) as caught:
        parse_leads_csv(text, source="leads.csv")
    return [(problem.line, problem.column) for problem in caught.value.problems]


def test_valid_csv_yields_leads_in_file_order():
    leads = make_leads(3, seed="order")
    assert parse_leads_csv(leads_csv(leads)) == leads


def test_domain_and_email_are_normalized_when_written_loosely():
    text = leads_csv(
        [{"lead_id": "L1", "business_name": "Acme", "domain": "https://WWW.Acme.com/", "email": "Bob@ACME.com"}]
    )
    assert parse_leads_csv(text) == [Lead("L1", "Acme", "acme.com", "bob@acme.com")]


def test_extra_columns_are_ignored_when_required_ones_are_present():
    text = leads_csv(
        [{"lead_id": "L1", "business_name": "Acme", "domain": "acme.com", "email": "a@acme.com", "city": "Reno"}],
        columns=[*REQUIRED_COLUMNS, "city"],
    )
    assert [lead.lead_id for lead in parse_leads_csv(text)] == ["L1"]


def test_missing_column_is_rejected_on_the_header_line():
    text = leads_csv(make_leads(2), columns=["lead_id", "business_name", "domain"])
    assert _problems(text) == [(1, "email")]


def test_missing_column_message_names_file_line_and_column():
    text = leads_csv(make_leads(1), columns=["lead_id", "domain", "email"])
    with pytest.raises(LeadInputError, match=r"leads\.csv:1: column 'business_name': missing column"):
        parse_leads_csv(text, source="leads.csv")


def test_duplicate_lead_id_is_rejected_with_both_line_numbers():
    first, second = make_leads(2, seed="dup")
    duplicate = Lead(first.lead_id, second.business_name, second.domain, second.email)
    with pytest.raises(LeadInputError) as caught:
        parse_leads_csv(leads_csv([first, duplicate]), source="leads.csv")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (3, "lead_id")
    assert "first on line 2" in problem.reason


def test_same_email_under_two_ids_is_rejected_as_duplicate_lead():
    first, second = make_leads(2, seed="email")
    duplicate = Lead(second.lead_id, second.business_name, second.domain, first.email.upper())
    assert _problems(leads_csv([first, duplicate])) == [(3, "email")]


@pytest.mark.parametrize("email", ["not-an-email", "bob@", "bob@localhost", "bob@@acme.com"])
def test_invalid_email_is_rejected_with_its_line(email):
    leads = make_leads(2, seed="emails")
    rows = [leads[0].to_dict(), {**leads[1].to_dict(), "email": email}]
    assert _problems(leads_csv(rows)) == [(3, "email")]


@pytest.mark.parametrize("domain", ["acme", "acme..com", "-acme.com", "acme.123", "https://", "192.168.0.1", "a_b.com"])
def test_invalid_domain_is_rejected_with_its_line(domain):
    lead = make_leads(1, seed="domains")[0]
    assert _problems(leads_csv([{**lead.to_dict(), "domain": domain}])) == [(2, "domain")]


@pytest.mark.parametrize("lead_id", ["has space", "-leading-dash", "x" * 65])
def test_malformed_lead_id_is_rejected(lead_id):
    lead = make_leads(1, seed="ids")[0]
    assert _problems(leads_csv([{**lead.to_dict(), "lead_id": lead_id}])) == [(2, "lead_id")]


def test_blank_required_value_is_reported_per_column():
    lead = make_leads(1, seed="blank")[0]
    assert _problems(leads_csv([{**lead.to_dict(), "business_name": "  ", "email": ""}])) == [
        (2, "business_name"),
        (2, "email"),
    ]


def test_row_with_more_fields_than_header_is_rejected():
    lead = make_leads(1, seed="extra")[0]
    text = leads_csv([lead]).rstrip("\n") + ",surplus\n"
    assert _problems(text) == [(2, "row")]


def test_every_bad_row_is_reported_not_only_the_first():
    leads = make_leads(4, seed="many")
    rows = [
        leads[0].to_dict(),
        {**leads[1].to_dict(), "email": "x"},
        leads[2].to_dict(),
        {**leads[3].to_dict(), "domain": "nope"},
    ]
    assert _problems(leads_csv(rows)) == [(3, "email"), (5, "domain")]


def test_line_numbers_count_blank_lines_in_the_file():
    leads = make_leads(2, seed="blank-lines")
    header, first, second = leads_csv(leads).splitlines()
    text = "\n".join([header, first, "", second.replace("@", "")]) + "\n"
    assert _problems(text) == [(4, "email")]


def test_csv_with_header_only_is_rejected_as_empty():
    assert _problems(leads_csv([])) == [(2, "lead_id")]


def test_empty_file_reports_every_missing_column():
    assert _problems("") == [(1, column) for column in REQUIRED_COLUMNS]


def test_crlf_files_parse_like_lf_files():
    leads = make_leads(2, seed="crlf")
    assert parse_leads_csv(leads_csv(leads, line_ending="\r\n")) == leads


def test_load_reads_a_file_with_byte_order_mark(tmp_path: Path):
    leads = make_leads(2, seed="bom")
    path = tmp_path / "leads.csv"
    path.write_text("\ufeff" + leads_csv(leads), encoding="utf-8")
    assert load_leads_csv(path) == leads


def test_load_names_the_path_when_the_file_is_missing(tmp_path: Path):
    with pytest.raises(LeadInputError) as caught:
        load_leads_csv(tmp_path / "absent.csv")
    assert str(caught.value).endswith(f"{tmp_path / 'absent.csv'}: file not found")
    assert caught.value.problems == (LeadProblem(0, "file", "file not found"),)


def test_load_rejects_a_file_that_is_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.csv"
    lead = make_leads(1)[0]
    path.write_bytes(leads_csv([{**lead.to_dict(), "business_name": "Café Olé"}]).encode("latin-1"))
    with pytest.raises(LeadInputError) as caught:
        load_leads_csv(path)
    assert caught.value.source == str(path)
    assert caught.value.problems == (LeadProblem(0, "file", "not UTF-8 text (invalid continuation byte)"),)


def test_validate_leads_numbers_rows_from_first_line():
    rows = [lead.to_dict() for lead in make_leads(2, seed="rows")]
    rows[1]["email"] = "broken"
    with pytest.raises(LeadInputError) as caught:
        validate_leads(rows, source="request body", first_line=0)
    assert [(problem.line, problem.column) for problem in caught.value.problems] == [(1, "email")]
    assert str(caught.value).startswith("1 problem(s) in request body")


def test_rows_are_reported_as_leads_when_no_source_is_named():
    with pytest.raises(LeadInputError, match=r"^1 problem\(s\) in <leads>:\n<leads>:1: column 'email'"):
        validate_leads([{**make_leads(1)[0].to_dict(), "email": "nope"}])


def test_lead_input_error_needs_a_problem():
    with pytest.raises(ValueError, match="^LeadInputError needs at least one problem$"):
        LeadInputError("x.csv", [])


def test_lead_input_error_lists_one_problem_per_line_in_line_order():
    problems = [LeadProblem(3, "email", "missing value"), LeadProblem(2, "domain", "missing value")]
    assert str(LeadInputError("x.csv", problems)) == (
        "2 problem(s) in x.csv:\nx.csv:2: column 'domain': missing value\nx.csv:3: column 'email': missing value"
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Acme.COM", "acme.com"),
        ("http://shop.acme.co.uk", "shop.acme.co.uk"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_normalize_domain_returns_bare_lowercase_host(value, expected):
    assert normalize_domain(value) == expected


@given(lead_batches(max_size=8))
def test_any_valid_batch_round_trips_through_csv(leads):
    assert parse_leads_csv(leads_csv(leads)) == leads


def test_duplicate_required_column_in_the_header_is_rejected_naming_it():
    text = "lead_id,business_name,domain,email,email\nL1,Acme,acme.com,a@acme.com,b@acme.com\n"
    with pytest.raises(LeadInputError) as caught:
        parse_leads_csv(text)
    assert [(p.line, p.column, p.reason) for p in caught.value.problems] == [
        (1, "email", "column appears 2 times in the header")
    ]


@pytest.mark.parametrize(
    "name, reason",
    [
        ("Ac\x00me", "contains a NUL character"),
        ("Acme\u202e", "U+202E"),
        ("A" * 201, "is longer than 200 characters"),
    ],
)
def test_business_name_breaking_the_text_rule_is_rejected_with_its_line(name, reason):
    lead = make_leads(1, seed="text")[0]
    with pytest.raises(LeadInputError) as caught:
        parse_leads_csv(leads_csv([{**lead.to_dict(), "business_name": name}]))
    ((line, column, why),) = [(p.line, p.column, p.reason) for p in caught.value.problems]
    assert (line, column) == (2, "business_name") and reason in why


_HEADER = "lead_id,business_name,domain,email\n"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", (1, "lead_id", "missing column (header is empty)")),
        ("lead_id,domain\nL1,acme.com\n", (1, "business_name", "missing column (header is lead_id,domain)")),
        (_HEADER, (2, "lead_id", "no leads: a batch needs at least one row")),
        (_HEADER + "L1,Acme,acme.com,a@acme.com,extra\n", (2, "row", "1 more field(s) than the header has columns")),
        (_HEADER + "L1, ,acme.com,a@acme.com\n", (2, "business_name", "missing value")),
        (
            _HEADER + "bad id,Acme,acme.com,a@acme.com\n",
            (2, "lead_id", "invalid lead id 'bad id': use 1-64 letters, digits, '_', '.', ':' or '-'"),
        ),
        (
            _HEADER + "L1,Acme,localhost,a@acme.com\n",
            (2, "domain", "invalid domain: 'localhost' needs a top-level domain, like example.com"),
        ),
        (
            _HEADER + "L1,Acme,acme.com,a@acme.com\nL1,Beta,beta.com,b@beta.com\n",
            (3, "lead_id", "duplicate lead 'L1' (first on line 2)"),
        ),
        (
            _HEADER + "L1,Acme,acme.com,a@acme.com\nL2,Beta,beta.com,A@acme.com\n",
            (3, "email", "duplicate lead: 'a@acme.com' is already on line 2"),
        ),
    ],
)
def test_rejected_row_is_reported_with_its_line_column_and_reason(text, problem):
    with pytest.raises(LeadInputError) as caught:
        parse_leads_csv(text)
    assert (caught.value.problems[0].line, caught.value.problems[0].column, caught.value.problems[0].reason) == problem


def test_invalid_email_is_reported_with_the_value_and_why():
    with pytest.raises(LeadInputError) as caught:
        parse_leads_csv(_HEADER + "L1,Acme,acme.com,nope\n")
    assert caught.value.problems[0].reason.startswith("invalid email 'nope': is not a valid email address: ")


def test_leads_that_repeat_one_another_raise_the_duplicate_error():
    lead = make_leads(1, seed="dup")[0]
    with pytest.raises(DuplicateLeadsError):
        validate_leads([lead.to_dict(), lead.to_dict()])
