"""One rule for addresses, applied where they enter: what is accepted, stored, sent, and
who counts as the same subscriber. Mails are read from a real SMTP server."""

from __future__ import annotations

import itertools
import string
import uuid

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from subscribe_service.identity import addresses
from subscribe_service.identity.addresses import InvalidInput, address_key, normalise_email
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber
from subscribe_service.mail.suppressions import suppress
from tests.subscribe_service.web.test_ratelimit import REDIS_URL, _redis_reason


@pytest.fixture
def app(backend_app):
    return backend_app


def subscribe(client, email: str, ip: str = "192.0.2.1"):
    return client.post(
        "/api/subscriptions",
        json={"email": email, "topics": ["subprocessors"]},
        environ_base={"REMOTE_ADDR": ip},
    )


def rows(app, model):
    with app.app_context(), session_scope(app) as session:
        return list(session.scalars(select(model).order_by(model.id)))


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("user@xn--bcher-kva.example", "user@xn--bcher-kva.example"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
        ("Ann.Smith@Bücher.EXAMPLE", "Ann.Smith@xn--bcher-kva.example"),
        ("  bob+news@Example.COM ", "bob+news@example.com"),
    ],
)
def test_domains_are_kept_as_lower_case_a_labels_and_local_parts_as_written(written, stored):
    assert normalise_email(written) == stored


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("ｕｓｅｒ@example.com", "Did you mean 'user@example.com'?"),
        ("пример@пример.рф", "give an ASCII address for the same mailbox"),
        ("josé@example.com", "SMTPUTF8"),
    ],
)
def test_a_non_ascii_local_part_is_refused_at_the_door_with_the_reason(app, written, hint):
    response = subscribe(app.test_client(), written)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.get_json()
    assert "before the @" in problem["detail"] and hint in problem["detail"]
    assert rows(app, OutboxMessage) == []  # nothing queued that could only fail later


def _long_way(value: str) -> str:
    """The address as normalise_email gave it before its short way existed: every
    address through email_validator."""
    local, _, domain = value.rpartition("@")
    if local and not local.isascii():
        raise InvalidInput("email", addresses._non_ascii_local(local, domain))
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as err:
        raise InvalidInput("email", f"That email address is not valid: {err}") from None
    result = f"{checked.local_part}@{checked.ascii_domain.lower()}"
    if len(result) > 254:
        raise InvalidInput("email", "The email address is longer than 254 characters.")
    return result


def _outcome(normalise, value: str) -> str | tuple[str, str]:
    try:
        return normalise(value)
    except InvalidInput as err:
        return (err.field, err.detail)


ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
DOMAINS = [
    "example.com", "EXAMPLE.Com", "bücher.example", "xn--bcher-kva.example", "BÜCHER.example",
    "localhost", "test", "foo.invalid", "foo.onion", "foo.local", "1.2.3.4", "[192.0.2.1]",
    "exa_mple.com", "example.com.", ".example.com", "ex..ample.com", "-x.com", "x-.com",
    "a" * 63 + ".com", "a" * 64 + ".com", ".".join(["a" * 63] * 3) + ".com",
    ".".join(["a" * 60] * 4) + ".de", "пример.рф", "例え.テスト", "ｅｘａｍｐｌｅ.com", "",
    "example.com>", "<x@y.com>", 'x"y.com', "ex ample.com", "xn--zz.com", "1.com", "a.123",
]  # fmt: skip
LOCALS = [
    "a", "Ann.Smith", "bob+news", "Postmaster", "ABUSE", "info", "webMaster", '"quoted"',
    '"a b"', "a..b", ".a", "a.", "a b", "a(comment)", "<a", "a>", "a,b", "a;b", "a:b",
    "a\\b", "a[b]", "x" * 64, "x" * 65, "x" * 200, "x" * 240, "Name <a", "é", "",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(
    local=st.one_of(
        st.sampled_from(LOCALS),
        st.text(alphabet=ATEXT + ".", max_size=70),
        st.builds(lambda n: "x" * n, st.integers(1, 260)),
        st.text(max_size=12),
    ),
    domain=st.one_of(
        st.sampled_from(DOMAINS),
        st.text(alphabet=string.ascii_letters + string.digits + "-.", max_size=70),
        st.text(max_size=12),
    ),
)
@example(local="x" * 64, domain="b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com")
@example(local="x" * 189, domain="a" * 60 + ".com")  # 254 in all
@example(local="x" * 190, domain="a" * 60 + ".com")  # 255
@example(local="x" * 177, domain="bücher" + "a" * 66 + ".example")
def test_the_short_way_for_plain_addresses_gives_what_email_validator_gives(local, domain):
    value = f"{local}@{domain}"
    assert _outcome(addresses._normalise.__wrapped__, value) == _outcome(_long_way, value)


def test_plain_addresses_take_the_short_way():
    # The busiest endpoint's common case skips email_validator (the point of the short
    # way); the others are the long way's to answer.
    assert addresses._plain_address("b0a1-3-17", "Example.COM") == "b0a1-3-17@example.com"
    assert addresses._plain_address("Ann.Smith", "bücher.example") == (
        "Ann.Smith@xn--bcher-kva.example"
    )
    for local, domain in [("postmaster", "example.com"), ('"a b"', "example.com")]:
        assert addresses._plain_address(local, domain) is None
    assert addresses._plain_address("a", "localhost") is None


def test_an_idn_domain_is_delivered_as_its_a_label(app, smtp_server, send_all):
    client = app.test_client()
    assert subscribe(client, "user@xn--bcher-kva.example").status_code == 202
    assert subscribe(client, "User@Bücher.Example").status_code == 202
    counts = send_all(app)
    assert (counts.sent, counts.failed, counts.retried) == (2, 0, 0)
    received = smtp_server.received
    assert [r.recipients for r in received] == [
        ["user@xn--bcher-kva.example"],
        ["User@xn--bcher-kva.example"],
    ]
    assert [r.message["To"] for r in received] == [
        "user@xn--bcher-kva.example",
        "User@xn--bcher-kva.example",
    ]
    # One subscriber: the same mailbox, written twice; shown as first written.
    [subscriber] = rows(app, Subscriber)
    assert subscriber.email == "user@xn--bcher-kva.example"


def test_case_variants_are_one_subscriber_shown_as_first_written(app, smtp_server, send_all):
    client = app.test_client()
    for written in ("Ann.Smith@Client.example", "ann.smith@client.example", "ANN.SMITH@x.example"):
        assert subscribe(client, written).status_code == 202
    send_all(app)
    assert sorted(s.email for s in rows(app, Subscriber)) == [
        "ANN.SMITH@x.example",
        "Ann.Smith@client.example",
    ]
    # Each confirmation went to the address as that request wrote it.
    assert [r.recipients[0] for r in smtp_server.received] == [
        "Ann.Smith@client.example",
        "ann.smith@client.example",
        "ANN.SMITH@x.example",
    ]


def test_a_suppressed_address_stays_suppressed_in_any_case(app, smtp_server, send_all):
    with app.app_context(), session_scope(app) as session:
        suppress(session, "Gone@Client.example", "550 no such user")
    assert subscribe(app.test_client(), "gONE@client.EXAMPLE").status_code == 202
    assert send_all(app).cancelled == 1
    assert smtp_server.received == []


def case_variants(local: str, domain: str, count: int) -> list[str]:
    """`count` different spellings of one address, letter case only."""
    spellings = (
        "".join(c.upper() if bit else c for c, bit in zip(local, bits, strict=True))
        for bits in itertools.product((0, 1), repeat=len(local))
    )
    return [f"{s}@{domain if i % 2 else domain.upper()}" for i, s in enumerate(spellings)][:count]


@pytest.mark.parametrize("store", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
def test_forty_case_variants_from_forty_ips_are_one_address_for_its_limit(
    make_app, smtp_server, send_all, store
):
    if store == "redis" and _redis_reason():
        pytest.skip(_redis_reason())
    app = make_app(
        LIMIT_PER_ADDRESS="5 per hour",
        RATELIMIT_STORAGE_URI=REDIS_URL if store == "redis" else "memory://",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    variants = case_variants("victimuser", "inbox.example", 40)
    assert len(set(variants)) == 40
    client = app.test_client()
    codes = [
        subscribe(client, v, ip=f"198.51.100.{i + 1}").status_code for i, v in enumerate(variants)
    ]
    assert codes == [202] * 5 + [429] * 35
    send_all(app)
    assert len(smtp_server.messages_to("victimuser@inbox.example")) == 5
    with app.app_context(), session_scope(app) as session:
        key = address_key(normalise_email(variants[0]))
        assert session.scalar(select(func.count()).where(func.lower(Subscriber.email) == key)) == 1
    if store == "redis":
        import redis

        prefix = app.config["RATELIMIT_KEY_PREFIX"]
        keys = [k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter(match=f"*{prefix}*")]
        assert keys and not any("victim" in k.lower() for k in keys), keys
