"""The hostile-input suite: every corpus entry against every POST endpoint and token route.

The corpus is tests/fixtures/hostile/corpus.json (extend it there). Every string goes into
every field of every POST endpoint, as JSON and as a form, and into every token route's
path; every raw body goes to every POST endpoint. On SQLite and PostgreSQL, the answer is
never a 5xx; a 4xx is problem+json; text holding a control character (other than tab and
line breaks) or a lone surrogate is never accepted. Each test prints its endpoint's
answers (`pytest -s` shows the table).
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.support.links_support import SITE, make_links
from tests.support.requests_data import SITE_URL, dpa_pdfs_of, write_data, write_site

CORPUS = json.loads((Path(__file__).parents[2] / "fixtures/hostile/corpus.json").read_text())
STRINGS: list[str] = [entry["value"] for entry in CORPUS["strings"]]
VALID = {"email": "ann@example.com", "name": "Ann Example", "company": "Acme B.V."}
# API endpoint -> (a valid body, its fields)
API = {
    "/api/subscriptions": {**{"email": VALID["email"]}, "topics": ["dpa"], "website": ""},
    "/api/manage-links": {"email": VALID["email"], "website": ""},
    "/api/dpa-requests": {**VALID, "signed_version": "1.0", "website": ""},
    "/api/subject-requests": {
        "name": VALID["name"],
        "email": VALID["email"],
        "request_type": "access",
        "controller": VALID["company"],
        "details": "Please send me a copy.",
        "website": "",
    },
}
# Personal-link endpoint -> the form field its page posts (a made-up one where none).
LINK_FIELDS = {
    "confirm.confirm": "x",
    "manage.save": "topics",
    "manage.export": "x",
    "manage.erase": "confirm",
    "unsubscribe.one_click": "List-Unsubscribe",
    "objections.object_change": "reason",
}
TOKEN_ROUTES = ["/confirm/", "/manage/", "/unsubscribe/", "/export/", "/object/"]


def body_bytes(entry: dict[str, Any]) -> bytes:
    if "hex" in entry:
        return bytes.fromhex(entry["hex"].replace(" ", ""))
    if "parts" in entry:
        return "".join(text * times for text, times in entry["parts"]).encode()
    return entry["text"].encode("utf-8", "surrogatepass")


def send_body(client, path: str, entry: dict[str, Any]):
    """POST a corpus body: with its Content-Length, or streamed (`chunked`) without one,
    as a server hands a chunked request to the app."""
    if not entry.get("chunked"):
        return post(client, path, data=body_bytes(entry), content_type=entry["content_type"])
    return post(
        client,
        path,
        input_stream=io.BytesIO(body_bytes(entry)),
        content_type=entry["content_type"],
        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
        headers={"Transfer-Encoding": "chunked"},
    )


def check_refusal(response, entry: dict[str, Any]) -> None:
    """A body the corpus says is refused gets that very status."""
    if "refused" in entry:
        assert response.status_code == entry["refused"], (entry["name"], response.data[:300])


def poisoned(value: Any) -> bool:
    """Text no field may accept: a control character or half of a UTF-16 pair."""
    if isinstance(value, list):
        return any(map(poisoned, value))
    return isinstance(value, str) and any(
        (unicodedata.category(c) == "Cc" and c not in "\t\n\r") or unicodedata.category(c) == "Cs"
        for c in value
    )


class Tally:
    def __init__(self, name: str, backend: str) -> None:
        self.name, self.backend, self.codes = name, backend, Counter()

    def check(self, response, what: str, *, must_refuse: bool = False) -> None:
        code = response.status_code
        self.codes[code] += 1
        assert code < 500, (what, code, response.data[:300])
        if 400 <= code < 500 and response.mimetype != "text/html":
            assert response.headers["Content-Type"] == "application/problem+json", what
            assert response.get_json()["status"] == code
        if must_refuse:
            assert 400 <= code < 500, (what, code)

    def report(self) -> None:
        answers = ", ".join(f"{code}: {n}" for code, n in sorted(self.codes.items()))
        total = sum(self.codes.values())
        print(f"\nHOSTILE {self.backend:10} {self.name:32} {total:5} tried  {answers}")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, bytes]:
    return dpa_pdfs_of(write_data(tmp_path_factory.mktemp("hostile-data")))


@pytest.fixture
def app_config(tmp_path, pdfs) -> dict[str, Any]:
    site = tmp_path / "site"
    write_site(site, pdfs, write_data(tmp_path))
    return {"SITE_DIR": str(site), "SITE_URL": SITE_URL}


def backend_of(app) -> str:
    return "postgresql" if app.config["DATABASE_URL"].startswith("postgresql") else "sqlite"


def post(client, path: str, **kwargs: Any):
    headers = {"Origin": SITE, "Accept": "application/json", **kwargs.pop("headers", {})}
    return client.post(path, headers=headers, **kwargs)


@pytest.mark.parametrize("path", sorted(API))
def test_api_endpoint_survives_every_string_in_every_field(backend_app, path):
    tally = Tally(path, backend_of(backend_app))
    client = backend_app.test_client()
    valid = API[path]
    for field in valid:
        for value in STRINGS:
            body = {**valid, field: [value] if field == "topics" else value}
            what = f"{path} {field}={value[:30]!r}"
            tally.check(post(client, path, json=body), what + " json", must_refuse=poisoned(value))
            form = {k: ",".join(v) if isinstance(v, list) else v for k, v in body.items()}
            tally.check(
                post(
                    client,
                    path,
                    data=urlencode(form, encoding="utf-8", errors="surrogatepass"),
                    content_type="application/x-www-form-urlencoded",
                ),
                what + " form",
                must_refuse=poisoned(value),
            )
    tally.report()


@pytest.mark.parametrize("endpoint", sorted(LINK_FIELDS))
def test_link_endpoint_survives_every_string(backend_app, endpoint):
    tally = Tally(endpoint, backend_of(backend_app))
    client = backend_app.test_client()
    path = make_links(backend_app).post_paths[endpoint]
    field = LINK_FIELDS[endpoint]
    for value in STRINGS:
        what = f"{endpoint} {field}={value[:30]!r}"
        form = urlencode({field: value}, encoding="utf-8", errors="surrogatepass")
        tally.check(
            post(client, path, data=form, content_type="application/x-www-form-urlencoded"),
            what + " form",
            must_refuse=poisoned(value) and endpoint != "unsubscribe.one_click",
        )
        tally.check(
            post(client, path, json={field: value}),
            what + " json",
            must_refuse=endpoint != "unsubscribe.one_click",  # the pages take forms only
        )
    tally.report()


POST_PATHS = [*sorted(API), *sorted(LINK_FIELDS)]


@pytest.mark.parametrize("target", POST_PATHS)
def test_every_raw_body_is_answered_without_a_server_error(backend_app, target):
    tally = Tally(target + " (bodies)", backend_of(backend_app))
    client = backend_app.test_client()
    path = make_links(backend_app).post_paths.get(target, target)
    for entry in CORPUS["bodies"]:
        response = send_body(client, path, entry)
        tally.check(response, f"{target} {entry['name']}")
        if target != "unsubscribe.one_click":  # RFC 8058: its body is never read
            check_refusal(response, entry)
    tally.report()


def test_every_string_as_a_token_is_a_clear_4xx(backend_app):
    tally = Tally("token routes (GET and POST)", backend_of(backend_app))
    client = backend_app.test_client()
    valid = make_links(backend_app).manage
    for value in STRINGS:
        segment = quote(value.encode("utf-8", "surrogatepass"), safe="")
        for route in TOKEN_ROUTES:
            tally.check(client.get(route + segment), f"GET {route}{value[:30]!r}")
            tally.check(post(client, route + segment), f"POST {route}{value[:30]!r}")
        tally.check(client.get(valid + "?token=" + segment), f"query {value[:30]!r}")
    tally.report()
