"""`trustsite websub-publish SITE_URL`: tell the WebSub hub that the site's feeds changed.

Every feed names the hub of `websub_hub` in `site.yaml` (`<link rel="hub">`); feed readers
subscribe there, and after each deploy the hub is told to fetch every feed again: one
form-encoded POST per feed, `hub.mode=publish` and `hub.url=<the feed's URL>` (the
publishing convention of the W3C WebSub recommendation, section 7). Hubs answer 2xx
(usually 202 or 204) and fetch the feed themselves; their answer's body is ignored.
The request follows the outbound rules of `generator.cli.outbound`.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from generator.cli.outbound import OutboundError, check_url, post_form
from generator.history.urls import feed_names, feed_path
from generator.load.model import Site
from generator.outputs.feeds import KINDS


@dataclass(frozen=True)
class Ping:
    feed: str
    ok: bool
    said: str  # the hub's status, or why the ping failed


def feed_urls(site: Site, site_url: str) -> list[str]:
    """The absolute URL of every feed of the site deployed at `site_url`."""
    root = site_url if site_url.endswith("/") else site_url + "/"
    return [root + feed_path(name, kind) for name in feed_names(site) for kind in KINDS]


def publish(site: Site, site_url: str, *, allow_hosts: Sequence[str] = ()) -> list[Ping]:
    """Notify the hub of every feed; one result per feed, in the order of `feed_urls`."""
    if site.websub_hub is None:
        raise OutboundError("site.yaml names no websub_hub; there is no hub to notify")
    hub = str(site.websub_hub)
    check_url(hub, allow_hosts)  # a hub the rules refuse: one message, not one per feed
    pings = []
    for feed in feed_urls(site, site_url):
        body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed}).encode()
        try:
            answer = post_form(hub, body, allow_hosts=allow_hosts)
        except OutboundError as err:
            pings.append(Ping(feed, False, str(err)))
            continue
        ok = 200 <= answer.status < 300
        pings.append(Ping(feed, ok, f"{answer.status} {answer.reason}".strip()))
    return pings
