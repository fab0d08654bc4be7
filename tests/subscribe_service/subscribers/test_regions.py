"""Subscriptions scoped to regions, through HTTP as a client and a careless or hostile
sender would use them: checked against the site's region ids (422 naming `regions`,
never a 500), carried by the confirmation link, shown by name, edited on the preferences
page, exported and erased. The site is the fixture data's with products and regions."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import Subscriber, SubscriberRegion
from tests.support.scoped_site import write_scoped_site
from tests.support.service_mail import link, path_of, text_of

ORIGIN = {"Origin": "http://127.0.0.1:8000"}


@pytest.fixture
def app_config(tmp_path):
    site = tmp_path / "scoped-site"
    write_scoped_site(site)
    return {"SITE_DIR": str(site)}


def subscribe(app, client, smtp_server, send_all, email: str, **body):
    """Ask, read the confirmation mail; returns it (not confirmed yet)."""
    answer = client.post("/api/subscriptions", json={"email": email, **body})
    assert answer.status_code == 202, answer.get_json()
    send_all(app)
    return smtp_server.messages_to(email)[-1]


def regions_of(app, email: str) -> list[str] | None:
    with app.app_context(), session_scope(app) as session:
        found = session.scalar(select(Subscriber).where(Subscriber.email == email))
        return found.region_ids if found is not None else None


@pytest.mark.parametrize(
    ("regions", "detail"),
    [
        ("eu", "`regions` must be a list of region ids"),
        ({"eu": True}, "`regions` must be a list of region ids"),
        (7, "`regions` must be a list of region ids"),
        ([7], "`regions` must be a list of region ids"),
        ([None], "`regions` must be a list of region ids"),
        ([["eu"]], "`regions` must be a list of region ids"),
        ([True], "`regions` must be a list of region ids"),
        ([], "Choose at least one region, or leave `regions` out"),
        ([" ", ","], "Choose at least one region"),
        (["mars"], "Unknown region 'mars'; choose from: eu, us, apac."),
        (["EU"], "Unknown region 'EU'"),
        (["\u0435u"], "Unknown region '\\\\u0435u'"),  # a Cyrillic "e"
        (["\uff45\uff55"], "Unknown region '\\\\uff45\\\\uff55'"),  # full-width letters
        (["eu\u200b"], "Unknown region 'eu\\\\u200b'"),  # a zero-width space
        (["eu\x00"], "contains a control character (U+0000)"),  # the body guard's answer
        (["inbox"], "Unknown region 'inbox'"),  # a product is not a region
        (["eu"] * 10_000, "`regions` is too long"),
        ([f"r{n}" for n in range(21)], "Choose at most 20 regions"),
        (["x" * 5000], "`regions` is too long"),
    ],
)
def test_careless_or_hostile_regions_are_refused_with_422_naming_the_field(client, regions, detail):
    answer = client.post(
        "/api/subscriptions", json={"email": "x@client.example", "regions": regions}
    )
    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert answer.content_type == "application/problem+json"
    problem = answer.get_json()
    assert problem["invalid_params"][0]["name"].startswith("regions")  # or regions[0]
    assert detail in problem["detail"], problem


def test_a_site_without_regions_refuses_region_ids(make_app):
    client = make_app().test_client()  # the fixture data: neither products nor regions
    answer = client.post(
        "/api/subscriptions", json={"email": "x@client.example", "regions": ["eu"]}
    )
    assert answer.status_code == 422
    assert "this site has no regions; leave `regions` out" in answer.get_json()["detail"]
    # Absent or null: every region, as on a site that has some.
    for body in ({}, {"regions": None}):
        answer = client.post("/api/subscriptions", json={"email": "x@client.example", **body})
        assert answer.status_code == 202


def test_regions_are_checked_shown_edited_exported_and_erased(app, smtp_server, send_all):
    client = app.test_client()
    # Duplicates and a comma list are one choice each, as for products.
    mail = subscribe(
        app,
        client,
        smtp_server,
        send_all,
        "pat@client.example",
        topics=["subprocessors"],
        products=["sms"],
        regions=["us", "eu", "us,eu"],
    )
    text = " ".join(text_of(mail).split())
    assert "only when they concern: SMS Messaging." in text
    assert "only when they concern these regions: European Union, United States." in text
    confirm = path_of(link(mail, "confirm"))
    shown = client.get(confirm).get_data(as_text=True)
    assert "European Union, United States" in shown
    done = client.post(confirm, headers=ORIGIN).get_data(as_text=True)
    assert "only for: SMS Messaging; only in: European Union, United States." in done
    assert regions_of(app, "pat@client.example") == ["eu", "us"]

    # Asking again for another region adds it to what they have.
    again = subscribe(app, client, smtp_server, send_all, "pat@client.example", regions=["apac"])
    client.post(path_of(link(again, "confirm")), headers=ORIGIN)
    assert regions_of(app, "pat@client.example") == ["apac", "eu", "us"]

    manage = path_of(link(mail, "manage"))
    page = client.get(manage).get_data(as_text=True)
    assert 'name="regions" value="eu" checked' in page and "Asia Pacific" in page
    saved = client.post(manage, data={"topics": ["subprocessors"], "regions": ["apac"]})
    assert "only in: Asia Pacific." in saved.get_data(as_text=True)
    assert regions_of(app, "pat@client.example") == ["apac"]
    for bad in (["mars"], ["\u0435u"], ["inbox"]):
        refused = client.post(manage, data={"topics": ["subprocessors"], "regions": bad})
        assert refused.status_code == 422, bad
    assert regions_of(app, "pat@client.example") == ["apac"]

    client.post(manage + "/export")
    send_all(app)
    export = path_of(link(smtp_server.messages_to("pat@client.example")[-1], "export"))
    assert client.get(export).get_json()["subscriber"]["regions"] == ["apac"]
    client.post(manage, data={"topics": ["subprocessors"], "regions": [""]})  # none ticked
    assert client.get(export).get_json()["subscriber"]["regions"] is None

    client.post(manage, data={"topics": ["subprocessors"], "regions": ["eu", "us"]})
    assert client.post(manage + "/erase", data={"confirm": "yes"}).status_code == 200
    with app.app_context(), session_scope(app) as session:
        rows = session.scalar(select(func.count()).select_from(SubscriberRegion))
    assert rows == 0


def test_a_form_post_takes_regions_as_repeated_fields(app, smtp_server, send_all):
    client = app.test_client()
    form = {"email": "fo@client.example", "regions": ["eu", "apac"]}
    answer = client.post("/api/subscriptions", data=form, headers={"Accept": "application/json"})
    assert answer.status_code == 202
    send_all(app)
    mail = smtp_server.messages_to("fo@client.example")[-1]
    client.post(path_of(link(mail, "confirm")), headers=ORIGIN)
    assert regions_of(app, "fo@client.example") == ["apac", "eu"]


def test_a_confirmation_link_for_the_most_and_longest_products_and_regions_works(
    make_app, tmp_path
):
    """20 product ids and 20 region ids of 63 random letters (what compresses worst) and
    every topic: the longest link the service signs is one it reads."""
    from subscribe_service.identity import links
    from subscribe_service.subscribers.parse import MAX_PRODUCTS, MAX_REGIONS

    rng = random.Random(11)

    def ids(n: int) -> list[str]:
        return sorted(
            "".join(rng.choice(string.ascii_lowercase) for _ in range(63)) for _ in range(n)
        )

    products, regions = ids(MAX_PRODUCTS), ids(MAX_REGIONS)
    site = tmp_path / "long-site"
    write_scoped_site(
        site,
        {p: f"P {n}" for n, p in enumerate(products)},
        {r: f"R {n}" for n, r in enumerate(regions)},
    )
    app = make_app(SITE_DIR=str(site))
    with app.app_context(), session_scope(app) as session:
        subscriber = Subscriber(email="b@client.example", status="pending", token_version=1)
        session.add(subscriber)
        session.flush()
        topics = ["subprocessors", "dpa", "privacy", "faq", "security"]
        url = links.confirm_url(subscriber, topics, products, regions)
    page = app.test_client().get(path_of(url))
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    assert "R 19" in page.get_data(as_text=True)


def test_the_api_description_offers_exactly_the_sites_regions(app, make_app):
    def bodies(client):
        paths = client.get("/api/openapi.json").get_json()["paths"]
        content = paths["/api/subscriptions"]["post"]["requestBody"]["content"]
        manage = paths["/manage/{token}"]["post"]["requestBody"]["content"]
        return (
            content["application/json"]["schema"]["properties"],
            content["application/x-www-form-urlencoded"]["schema"]["properties"],
            manage["application/x-www-form-urlencoded"]["schema"]["properties"],
        )

    as_json, form, manage = bodies(app.test_client())
    assert as_json["regions"]["items"]["enum"] == ["eu", "us", "apac"]
    assert as_json["regions"]["minItems"] == 1
    assert form["regions"]["items"]["enum"] == ["eu", "us", "apac", ""]
    assert manage["regions"]["items"]["enum"] == ["eu", "us", "apac", ""]
    assert all("regions" not in props for props in bodies(make_app().test_client()))


CORPUS = Path(__file__).parents[2] / "fixtures" / "hostile" / "corpus.json"


def test_every_hostile_string_as_a_region_is_a_clear_4xx(backend_app):
    """The shared corpus (tests/fixtures/hostile/corpus.json) as a region id, in JSON and in
    a form, on both databases: a problem naming `regions` (or its item), never a 5xx.
    A form field holding nothing but blanks and commas ticks no region: every region."""
    client = backend_app.test_client()
    headers = {"Accept": "application/json"}
    for value in (entry["value"] for entry in json.loads(CORPUS.read_text("utf-8"))["strings"]):
        as_json = client.post(
            "/api/subscriptions",
            json={"email": "h@client.example", "regions": [value]},
            headers=headers,
        )
        form = urlencode(
            {"email": "h@client.example", "regions": value},
            encoding="utf-8",
            errors="surrogatepass",
        )
        as_form = client.post(
            "/api/subscriptions",
            data=form,
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
        for answer, blank_is_all in ((as_json, False), (as_form, True)):
            if blank_is_all and not value.replace(",", "").strip():
                assert answer.status_code == 202, repr(value)
                continue
            assert answer.status_code in (400, 422), (repr(value), answer.status_code)
            assert answer.content_type == "application/problem+json"
            named = answer.get_json().get("invalid_params", [{}])[0].get("name", "")
            assert named.startswith("regions") or named == "body", (repr(value), named)
