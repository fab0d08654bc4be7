"""Notices scoped to regions beside products: `notify` queues a change exactly for the
subscribers it reaches (generator.contract.change_touches is the oracle, on SQLite and
PostgreSQL), and each mail lists only the reader's part, with the site's names."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from generator.contract import Change, change_touches
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import (
    Notice,
    OutboxMessage,
    Subscriber,
    SubscriberProduct,
    SubscriberRegion,
)
from tests.support.changes_data import DPA_21
from tests.support.notices_helpers import add_subscriber_to, invoke
from tests.support.scoped_site import (
    PRODUCTS,
    REGIONS,
    changed,
    entry,
    scoped_record,
    write_scoped_site,
)
from tests.support.service_mail import html_of, text_of


@pytest.fixture
def app_config(tmp_path):
    site = tmp_path / "scoped-site"
    write_scoped_site(site)
    return {"SITE_DIR": str(site)}


def add_scoped(app, email: str, products=None, regions=None, topics=("subprocessors",)) -> int:
    subscriber_id = add_subscriber_to(app, email, topics=topics)
    with app.app_context(), session_scope(app) as session:
        subscriber = session.get(Subscriber, subscriber_id)
        subscriber.products = [SubscriberProduct(product=p) for p in products or ()]
        subscriber.regions = [SubscriberRegion(region=r) for r in regions or ()]
    return subscriber_id


def queued(app) -> dict[str, set[str]]:
    """change id -> the addresses a notice was queued to."""
    found: dict[str, set[str]] = {}
    with app.app_context(), session_scope(app) as session:
        rows = session.execute(
            select(Notice.change_id, OutboxMessage.recipient).join(
                OutboxMessage, OutboxMessage.notice_id == Notice.id
            )
        )
        for change_id, recipient in rows:
            found.setdefault(change_id, set()).add(recipient)
    return found


def some(rng: random.Random, ids: list[str]) -> list[str] | None:
    """None (every one) a third of the time, else one to all of `ids`, or none at all
    (an entry serving no listed product, which a hand-written record may say)."""
    roll = rng.random()
    if roll < 0.33:
        return None
    if roll < 0.38:
        return []
    return sorted(rng.sample(ids, rng.randint(1, len(ids))))


def random_record(rng: random.Random, n: int) -> dict:
    products, regions = list(PRODUCTS), list(REGIONS)
    added = [
        entry(f"added{n}x{i}", some(rng, products), some(rng, regions))
        for i in range(rng.randint(0, 3))
    ]
    removed = [
        entry(f"removed{n}x{i}", some(rng, products), some(rng, regions))
        for i in range(rng.randint(0, 2))
    ]
    field = {"field": "purpose", "old": "Before", "new": "After"}
    changes = [
        changed(f"changed{n}x{i}", [field], some(rng, products), some(rng, regions))
        for i in range(rng.randint(0, 2))
    ]
    return scoped_record(n, added, removed, changes)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_notify_queues_exactly_whom_contract_change_touches_reaches(
    backend_app, changes_file, seed
):
    """Generated subscriber scopes and generated changes: the SQL filter and the contract's
    function agree on every pair, on both databases."""
    app = backend_app
    rng = random.Random(seed)
    scopes: dict[str, tuple[list[str] | None, list[str] | None]] = {}
    for n in range(40):
        products, regions = some(rng, list(PRODUCTS)), some(rng, list(REGIONS))
        email = f"reader{n}@client.example"
        add_scoped(app, email, products, regions, topics=("subprocessors", "dpa"))
        scopes[email] = (products or None, regions or None)  # no rows: every one
    records = [random_record(rng, n) for n in range(30)]
    source = changes_file(*records, DPA_21)

    result = invoke(app, "notify", "--all", str(source))
    assert result.exit_code == 0, result.output

    got = queued(app)
    for record in records:
        change = Change.model_validate(record)
        expected = {email for email, (p, r) in scopes.items() if change_touches(change, p, r)}
        assert got.get(record["id"], set()) == expected, record["id"]
    assert got["dpa/2.1"] == set(scopes), "a document's change concerns everybody"
    reached = sum(len(got.get(r["id"], ())) for r in records)
    assert 0 < reached < len(records) * len(scopes), "the generated cases test nothing"


def test_a_reader_is_reached_only_through_an_entry_serving_both_their_product_and_region(
    app, changes_file, smtp_server, send_all
):
    """Inbox in the EU and SMS in the US: neither an inbox reader in the US nor an SMS
    reader in the EU is concerned, though the change touches both products and regions."""
    add_scoped(app, "inbox-eu@client.example", ["inbox"], ["eu"])
    add_scoped(app, "inbox-us@client.example", ["inbox"], ["us"])
    add_scoped(app, "sms-eu@client.example", ["sms"], ["eu"])
    add_scoped(app, "us@client.example", None, ["us"])
    add_scoped(app, "everyone@client.example")
    record = scoped_record(
        1,
        added=[entry("inkwell", ["inbox"], ["eu"]), entry("kestrel", ["sms"], ["us"])],
    )
    assert (record["products"], record["regions"]) == (["inbox", "sms"], ["eu", "us"])

    result = invoke(app, "notify", "--all", str(changes_file(record)))
    assert "3 deliveries queued" in result.output, result.output
    assert send_all(app).sent == 3

    def entities(email: str) -> list[str]:
        (mail,) = smtp_server.messages_to(email)
        text = text_of(mail)
        return [name for name in ("Inkwell Ltd", "Kestrel Ltd") if f"* {name}" in text]

    assert entities("inbox-eu@client.example") == ["Inkwell Ltd"]
    assert entities("us@client.example") == ["Kestrel Ltd"]
    assert entities("everyone@client.example") == ["Inkwell Ltd", "Kestrel Ltd"]
    assert smtp_server.messages_to("inbox-us@client.example") == []
    assert smtp_server.messages_to("sms-eu@client.example") == []


def test_a_notice_names_products_and_regions_as_the_site_does(
    app, changes_file, smtp_server, send_all
):
    add_scoped(app, "ann@client.example")
    moved = changed(
        "kestrel",
        [
            {"field": "regions", "old": ["eu"], "new": ["eu", "apac"]},
            {"field": "products", "old": ["sms"], "new": None},
        ],
        products=None,
        regions=["apac", "eu"],
    )
    record = scoped_record(2, added=[entry("inkwell", ["inbox"], ["us"])], changes=[moved])
    invoke(app, "notify", "--all", str(changes_file(record)))
    assert send_all(app).sent == 1
    (mail,) = smtp_server.messages_to("ann@client.example")
    text = " ".join(text_of(mail).split())
    html = " ".join(html_of(mail).split())
    assert "Products: Shared Inbox" in text and "Regions: United States" in text
    assert "Regions: European Union -> European Union, Asia Pacific" in text
    assert "Products: SMS Messaging -> every product" in text
    assert 'European Union</del> &rarr; <ins class="new">European Union, Asia Pacific' in html
    assert "apac" not in text.replace("apac.", ""), "an id where a name belongs"


def test_regions_chosen_after_the_notice_was_queued_count_when_it_is_sent(
    app, changes_file, smtp_server, send_all
):
    subscriber_id = add_scoped(app, "bo@client.example")
    record = scoped_record(3, added=[entry("inkwell", None, ["eu"]), entry("ku", None, ["us"])])
    invoke(app, "notify", "--all", str(changes_file(record)))
    with app.app_context(), session_scope(app) as session:
        session.get(Subscriber, subscriber_id).regions = [SubscriberRegion(region="us")]
    assert send_all(app).sent == 1
    text = text_of(smtp_server.messages_to("bo@client.example")[0])
    assert "* Ku Ltd" in text and "Inkwell" not in text

    # Queued while they wanted every region; sent after they chose one it does not reach.
    with app.app_context(), session_scope(app) as session:
        session.get(Subscriber, subscriber_id).regions = []
    invoke(app, "notify", "--all", str(changes_file(scoped_record(4, [entry("x", None, ["eu"])]))))
    with app.app_context(), session_scope(app) as session:
        session.get(Subscriber, subscriber_id).regions = [SubscriberRegion(region="apac")]
    counts = send_all(app)
    assert (counts.sent, counts.cancelled) == (0, 1)
    assert len(smtp_server.messages_to("bo@client.example")) == 1
