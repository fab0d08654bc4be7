"""Subscriptions scoped to products, end to end: a site with products is built, readers
subscribe through HTTP to some products (or all), a change adding one sub-processor per
product is published, and `notify` plus the real sender reach exactly the subscribers
whose products it touches, each mail listing only their part of the change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from notices_helpers import invoke
from service_mail import link, path_of, text_of
from test_notices_end_to_end import FIXTURE_DATA, LOCAL, ORIGIN, build, published  # noqa: F401

PRODUCTS = """
products:
  - id: inbox
    name: Shared Inbox
  - id: sms
    name: SMS Messaging
"""

SMS_ONLY = """\
announced: 2025-06-01
effective: 2025-08-01
summary: Adds Kestrel SMS for text messages.
editorial: false
add:
  - id: kestrel-sms
    entity: Kestrel SMS Ltd
    purpose: Sends text messages
    data_categories: [Phone number, Message content]
    processing_locations: [IE]
    corporate_location: IE
    transfer_mechanism: none
    website: https://kestrel.example
    relationship: third-party
    products: [sms]
"""

ONE_EACH = """\
announced: 2025-06-01
effective: 2025-09-01
summary: Adds Inkwell Archive for the inbox; Kestrel SMS adds Germany.
editorial: false
add:
  - id: inkwell-archive
    entity: Inkwell Archive GmbH
    purpose: Archives conversations
    data_categories: [Message content]
    processing_locations: [DE]
    corporate_location: DE
    transfer_mechanism: none
    website: https://inkwell.example
    relationship: third-party
    products: [inbox]
change:
  kestrel-sms:
    processing_locations: [IE, DE]
"""


@pytest.fixture
def product_site(tmp_path: Path, published, make_app):  # noqa: F811
    """(data folder, site folder, its URL, an app reading that site's service.json)."""
    site, site_url = published
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    with (data / "site.yaml").open("a", encoding="utf-8") as f:
        f.write(PRODUCTS)
    build(data, site)
    return data, site, site_url, make_app(SITE_DIR=str(site))


def subscribe(app, client, smtp_server, send_all, email: str, **body) -> None:
    response = client.post("/api/subscriptions", json={"email": email, **body})
    assert response.status_code == 202, response.get_json()
    send_all(app)
    mail = smtp_server.messages_to(email)[-1]
    assert client.post(path_of(link(mail, "confirm")), headers=ORIGIN).status_code == 200


def notices_to(smtp_server, email: str) -> list[str]:
    return [text_of(m).replace("\r\n", "\n") for m in smtp_server.messages_to(email)]


@pytest.mark.slow
def test_each_change_reaches_only_the_subscribers_of_the_products_it_touches(
    product_site, smtp_server, send_all
):
    data, site, site_url, app = product_site
    client = app.test_client()
    for email, products in (
        ("sam@client.example", {"products": ["sms"]}),
        ("ian@client.example", {"products": ["inbox"]}),
        ("all@client.example", {}),
    ):
        subscribe(app, client, smtp_server, send_all, email, topics=["subprocessors"], **products)
    invoke(app, "notify", f"{site_url}/changes.json", *LOCAL, "--baseline")

    # A change touching SMS only: the inbox subscriber hears nothing.
    (data / "subprocessors" / "2025-08-01.yaml").write_text(SMS_ONLY, "utf-8")
    build(data, site)
    record = json.loads((site / "changes.json").read_text("utf-8"))["changes"][-1]
    assert record["products"] == ["sms"]
    smtp_server.clear()
    result = invoke(app, "notify", f"{site_url}/changes.json", *LOCAL)
    assert "subprocessors/2025-08-01: 2 deliveries queued" in result.output, result.output
    assert send_all(app).sent == 2
    assert smtp_server.messages_to("ian@client.example") == []
    for email in ("sam@client.example", "all@client.example"):
        (text,) = notices_to(smtp_server, email)
        assert "* Kestrel SMS Ltd\n" in text

    # A change touching both: each product's subscriber sees only their part.
    (data / "subprocessors" / "2025-09-01.yaml").write_text(ONE_EACH, "utf-8")
    build(data, site)
    smtp_server.clear()
    result = invoke(app, "notify", f"{site_url}/changes.json", *LOCAL)
    assert "subprocessors/2025-09-01: 3 deliveries queued" in result.output, result.output
    assert send_all(app).sent == 3
    (sam,) = notices_to(smtp_server, "sam@client.example")
    (ian,) = notices_to(smtp_server, "ian@client.example")
    (everyone,) = notices_to(smtp_server, "all@client.example")
    # The summary is the editor's, shown whole; the entries are each reader's part.
    kestrel, inkwell = "* Kestrel SMS Ltd\n", "* Inkwell Archive GmbH\n"
    assert kestrel in sam and inkwell not in sam, sam
    assert inkwell in ian and kestrel not in ian, ian
    assert inkwell in everyone and kestrel in everyone, everyone


@pytest.mark.slow
def test_products_are_checked_shown_edited_exported_and_erased(
    product_site, smtp_server, send_all
):
    _, _, _, app = product_site
    client = app.test_client()
    for bad, detail in (
        (["voice"], "Unknown product 'voice'; choose from: inbox, sms."),
        ([], "Choose at least one product"),
        ("sms", "`products` must be a list"),
        ([7], "`products` must be a list"),
    ):
        response = client.post(
            "/api/subscriptions", json={"email": "x@client.example", "products": bad}
        )
        assert response.status_code == 422, bad
        assert response.content_type == "application/problem+json"
        assert detail in json.dumps(response.get_json()), response.get_json()

    response = client.post(
        "/api/subscriptions", json={"email": "pat@client.example", "products": ["sms"]}
    )
    assert response.status_code == 202
    send_all(app)
    confirm_mail = smtp_server.messages_to("pat@client.example")[-1]
    assert "only when they concern: SMS Messaging" in text_of(confirm_mail)
    page = client.get(path_of(link(confirm_mail, "confirm"))).get_data(as_text=True)
    assert "SMS Messaging" in page
    client.post(path_of(link(confirm_mail, "confirm")), headers=ORIGIN)

    # The preferences page shows the choice and changes it.
    manage = path_of(link(confirm_mail, "manage"))
    shown = client.get(manage).get_data(as_text=True)
    assert 'value="sms" checked' in shown and 'value="inbox">' in shown
    saved = client.post(manage, data={"topics": ["subprocessors"], "products": ["inbox"]})
    assert "only for: Shared Inbox" in saved.get_data(as_text=True)
    refused = client.post(manage, data={"topics": ["subprocessors"], "products": ["fax"]})
    assert refused.status_code == 422

    # The export holds the products; the erase leaves no row of them behind.
    client.post(manage + "/export")
    send_all(app)
    export_mail = smtp_server.messages_to("pat@client.example")[-1]
    exported = client.get(path_of(link(export_mail, "export"))).get_json()
    assert exported["subscriber"]["products"] == ["inbox"]
    client.post(manage, data={"topics": ["subprocessors"]})  # none ticked: every product
    exported = client.get(path_of(link(export_mail, "export"))).get_json()
    assert exported["subscriber"]["products"] is None
    client.post(manage, data={"topics": ["subprocessors"], "products": ["sms"]})
    assert client.post(manage + "/erase", data={"confirm": "yes"}).status_code == 200
    with app.app_context():
        from subscribe_service.infra.db import get_session
        from subscribe_service.infra.models import SubscriberProduct

        assert get_session().query(SubscriberProduct).count() == 0


def test_a_site_without_products_refuses_product_ids(client):
    response = client.post(
        "/api/subscriptions", json={"email": "x@client.example", "products": ["sms"]}
    )
    assert response.status_code == 422
    assert "this site has no products" in response.get_json()["detail"]


def test_a_confirmation_link_for_the_most_and_longest_products_still_works(make_app, tmp_path):
    """20 product ids of 63 random letters (what compresses worst) and every topic."""
    import random
    import string

    from published_data import FIXTURE_DATA as SMALL
    from published_data import write_service_json

    from subscribe_service.subscribers.parse import MAX_PRODUCTS

    rng = random.Random(7)
    ids = ["".join(rng.choice(string.ascii_lowercase) for _ in range(63)) for _ in range(21)]
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    with (data / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("products:\n")
        f.write("".join(f"  - id: {i}\n    name: P {n}\n" for n, i in enumerate(ids)))
    site = tmp_path / "site"
    write_service_json(site, data)
    app = make_app(SITE_DIR=str(site))
    client = app.test_client()

    # Through the API, a body field is at most 1000 characters (422 naming it beyond,
    # web/request_body.read_body): 21 long ids cannot even be sent; 21 short ones are
    # refused by count.
    body = {"email": "a@client.example", "products": ids}
    too_long = client.post("/api/subscriptions", json=body)
    assert too_long.status_code == 422
    assert too_long.get_json()["invalid_params"][0]["name"] == "products"
    short = [f"p{n}" for n in range(MAX_PRODUCTS + 1)]
    with (data / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("".join(f"  - id: {i}\n    name: Short {i}\n" for i in short))
    write_service_json(site, data)
    body = {"email": "a@client.example", "products": short}
    too_many = client.post("/api/subscriptions", json=body)
    assert too_many.status_code == 422
    assert f"at most {MAX_PRODUCTS} products" in too_many.get_json()["detail"]

    from subscribe_service.identity import links
    from subscribe_service.infra.db import session_scope
    from subscribe_service.infra.models import Subscriber, SubscriberStatus

    with app.app_context(), session_scope(app) as session:
        subscriber = Subscriber(
            email="b@client.example", status=SubscriberStatus.PENDING, token_version=1
        )
        session.add(subscriber)
        session.flush()
        topics = ["subprocessors", "dpa", "privacy", "faq", "security"]
        url = links.confirm_url(subscriber, topics, sorted(ids[:MAX_PRODUCTS]))
    page = client.get(path_of(url))
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    assert "P 0" in page.get_data(as_text=True)


def test_a_notice_words_products_as_the_site_does():
    """A change back to every product (`products: all`) reads so, not "(none)"; the other
    fields keep the contract's words."""
    from subscribe_service.notices.render import field_value

    assert field_value("products", None) == "every product"
    assert field_value("products", ["inbox", "sms"]) == "inbox, sms"
    assert field_value("processing_locations", ["GB"]) == "United Kingdom (GB)"
    assert field_value("lei", None) == "(none)"
