import pytest
from hypothesis import given
from hypothesis import strategies as st

from lead_explorer import LeadValidationError, normalize_domain, normalize_email, normalize_text

# Valid LDH labels; "--" in the 3rd and 4th positions is reserved for IDNA ("xn--", RFC 5891 4.2.3.1).
_labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True).filter(lambda label: label[2:4] != "--")
hostnames = st.lists(_labels, min_size=1, max_size=3).map(lambda labels: ".".join([*labels, "com"]))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Example.COM", "example.com"),
        ("https://www.example.com/pricing?plan=pro#top", "example.com"),
        ("http://user@shop.example.co.uk:8443/cart", "shop.example.co.uk"),
        ("  example.com.  ", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("ftp://files.example.org", "files.example.org"),
        ("https://www.com/", "www.com"),
        ("www.www.com", "www.com"),
    ],
)
def test_domains_normalise_to_bare_lowercase_ascii_host_when_given_urls_or_mixed_case(raw, expected):
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("localhost", "needs a top-level domain"),
        ("192.168.0.1", "is an IP address"),
        ("[::1]", "is an IP address"),
        ("https://", "has no host name"),
        ("exa mple.com", "is not a valid domain name"),
        ("-example.com", "is not a valid domain name"),
        ("ab--cd.com", "disallowed hyphens in 3rd and 4th position"),
        ("example.123", "all-numeric top-level domain"),
        ("a" * 64 + ".com", "is not a valid domain name"),
        (".".join(["abcdefghij"] * 24) + ".com", "too long"),
        ("exam\x00ple.com", "NUL character"),
    ],
)
def test_invalid_domains_are_rejected_naming_the_field_and_reason(raw, reason):
    with pytest.raises(LeadValidationError, match=reason) as caught:
        normalize_domain(raw)
    assert caught.value.field == "domain"
    assert caught.value.value == raw


@given(hostnames)
def test_normalising_a_domain_twice_changes_nothing(host):
    once = normalize_domain(host)
    assert normalize_domain(once) == once


@given(hostnames, st.sampled_from(["", "http://", "https://www.", "HTTPS://"]), st.sampled_from(["", "/", "/a/b?c=d"]))
def test_scheme_www_and_path_never_change_the_normalised_domain(host, prefix, suffix):
    assert normalize_domain(prefix + host + suffix) == normalize_domain(host)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("  ops@example.org ", "ops@example.org"),
        ("info@Bücher.de", "info@xn--bcher-kva.de"),
    ],
)
def test_emails_normalise_to_lowercase_with_ascii_domain(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["not-an-email", "a@b", "jane@", "@example.com", "a@localhost", "x" * 250 + "@ex.com"])
def test_invalid_emails_are_rejected_naming_the_field(raw):
    with pytest.raises(LeadValidationError) as caught:
        normalize_email(raw, field="contact_email")
    assert caught.value.field == "contact_email"
    assert str(caught.value).startswith("contact_email: ")


def test_email_whose_encoded_domain_is_too_long_is_rejected():
    address = "x" * 64 + "@" + ".".join(["bücher"] * 25) + ".de"
    assert len(address) <= 254
    with pytest.raises(LeadValidationError, match="too long after the @-sign .* after IDNA encoding"):
        normalize_email(address)


def test_non_text_email_is_rejected_naming_its_type():
    with pytest.raises(LeadValidationError, match="must be text, not int"):
        normalize_email(42)  # type: ignore[arg-type]  # not text, on purpose


@given(st.emails())
def test_a_normalised_email_normalises_to_itself(address):
    try:
        once = normalize_email(address)
    except LeadValidationError:
        return  # a syntactically valid address with a reserved domain; rejection is the other tests' subject
    assert normalize_email(once) == once


def test_text_is_trimmed_and_blank_text_becomes_none():
    assert normalize_text("  Acme Widgets ", "company") == "Acme Widgets"
    assert normalize_text("   ", "company") is None
    assert normalize_text(None, "company") is None


@pytest.mark.parametrize("raw, reason", [("a\x07b", "control characters"), ("x" * 201, "longer than 200")])
def test_text_with_control_characters_or_overlong_is_rejected(raw, reason):
    with pytest.raises(LeadValidationError, match=reason):
        normalize_text(raw, "company")


@pytest.mark.parametrize("rule, field", [(normalize_email, "email"), (normalize_domain, "domain")])
def test_refusal_names_the_default_field_and_keeps_the_refused_value_when_none_is_given(rule, field):
    with pytest.raises(LeadValidationError) as caught:
        rule("bad value")
    assert (caught.value.field, caught.value.value) == (field, "bad value")
    assert str(caught.value).startswith(f"{field}: ") and str(caught.value).endswith("(got 'bad value')")


@pytest.mark.parametrize("rule", [normalize_email, normalize_domain])
def test_text_with_a_nul_character_is_refused_saying_so(rule):
    with pytest.raises(LeadValidationError, match="contains a NUL character"):
        rule("acme\x00.com")


def test_non_text_domain_is_refused_naming_the_field_and_its_type():
    with pytest.raises(LeadValidationError, match="^site: must be text, not bytes"):
        normalize_domain(b"acme.com", field="site")  # type: ignore[arg-type]  # not text, on purpose


def test_text_at_its_length_limit_is_kept_and_the_limit_is_the_callers():
    assert normalize_text("x" * 200, "company") == "x" * 200
    with pytest.raises(LeadValidationError, match="^source: .*longer than 100"):
        normalize_text("x" * 101, "source", max_length=100)
