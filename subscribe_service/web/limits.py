"""Rate limits: per client IP and per target address, counted together in one storage call.

The per-address limit stops anyone from flooding one inbox with confirmation mails from
many IPs. Flask-Limiter owns the configuration and the storage: in memory by default
(one process), Redis when TRUSTSITE_RATELIMIT_STORAGE_URI names one, so that limits hold
across gunicorn workers. The check does not go through Flask-Limiter's decorators: they
evaluate each limit on its own, one Redis round trip per window (four with the default
limits), and were about half the cost of a subscribe request. Here every window of both
limits is counted in one round trip, under the same keys Flask-Limiter would use (so
`limiter.reset()` and the storage's expiry apply to them as usual).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

import hiredis
from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from subscribe_service.identity.addresses import InvalidInput, address_key, normalise_email
from subscribe_service.mail import outbox

log = logging.getLogger(__name__)

_EXT = "trustsite.mailing_limits"
Ticket = tuple[str, str, str]  # endpoint, client IP, address_limit_key(address)

# Fixed windows, as the `limits` library's own incr_expire script counts them, for any
# number of keys at once: KEYS are the windows' counters, ARGV[i] the length of window i.
_INCR_ALL = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call("incrby", key, 1)
  if count == 1 then
    redis.call("expire", key, ARGV[i])
  end
  counts[i] = count
end
return counts
"""


class RateLimited(Exception):
    """A request over one of its limits; becomes a 429 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


class LimitStoreUnavailable(Exception):
    """The shared limit store (Redis) did not answer; becomes a 503, nothing is queued."""


@dataclass(frozen=True)
class Window:
    """One limit (like "5 per hour") applied to one identity (an IP or an address)."""

    item: RateLimitItem
    identifiers: tuple[str, ...]


@dataclass(frozen=True)
class _RedisWindow:
    """A window's Redis key around the identity, worked out once per endpoint."""

    item: RateLimitItem
    by_ip: bool
    head: str
    tail: str


def address_limit_key(address: str) -> str:
    """The rate-limit identity of an address (a `normalise_email` result): "to:" and an
    HMAC of its `address_key` under the app's secret.

    Every case variant of an address counts as one, and the limit store (Redis, for up
    to a day) never holds the address itself. Any limit that counts per address uses
    this as its identity.
    """
    secret = str(current_app.config["SECRET_KEY"]).encode()
    # hmac.digest: the same HMAC in one C call, without an HMAC object per request.
    digest = hmac.digest(secret, b"rate-limit:" + address_key(address).encode(), "sha256")
    return "to:" + digest.hex()[:32]


def target_address() -> str:
    """The rate-limit identity of the address a request asks us to mail."""
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    value = data.get("email") if isinstance(data, dict) or hasattr(data, "get") else None
    try:
        return address_limit_key(normalise_email(value))
    except InvalidInput:
        return "to:invalid"


class MailingLimits:
    """The per-IP and per-address limits of the endpoints that send mail."""

    def __init__(self, limiter: Limiter, per_ip: str, per_address: str, *, prefix: str) -> None:
        self.limiter = limiter
        # Every window of both limits, in order: (limit, counted by IP rather than address).
        self.scoped = [(item, True) for item in parse_many(per_ip)] + [
            (item, False) for item in parse_many(per_address)
        ]
        self.prefix = prefix
        storage = limiter.storage
        # A cluster spreads keys over nodes, where one script cannot reach them all; other
        # strategies (moving window) keep other structures than counters.
        self._one_round_trip = (
            isinstance(storage, RedisStorage)
            and not isinstance(storage, RedisClusterStorage)
            and isinstance(limiter.limiter, FixedWindowRateLimiter)
        )
        self._redis = _RedisScript(_INCR_ALL)
        self._redis_windows: dict[str, tuple[list[_RedisWindow], list[int]]] = {}

    def windows(self, endpoint: str, ip: str, address: str) -> list[Window]:
        return [
            Window(item, (self.prefix, ip if by_ip else address, endpoint))
            for item, by_ip in self.scoped
        ]

    def check(self, endpoint: str, ip: str, address: str) -> None:
        """Count this request in every window; raise RateLimited if any is now over."""
        error = self.check_many([(endpoint, ip, address)])[0]
        if error is not None:
            raise error

    def check_many(self, requests: Sequence[Ticket]) -> list[Exception | None]:
        """Count several requests in one call to the store; for each, what `check`
        would have raised (RateLimited, LimitStoreUnavailable) or None."""
        try:
            refused = self._hit(requests)
        except self.limiter.storage.base_exceptions as err:
            if current_app.config.get("RATELIMIT_SWALLOW_ERRORS"):
                log.error("rate-limit store unavailable, request let through: %s", err)
                return [None] * len(requests)
            log.error("rate-limit store unavailable: %s", err)
            return [LimitStoreUnavailable(str(err)) for _ in requests]
        return [RateLimited(self._retry_after(w)) if w else None for w in refused]

    def _hit(self, requests: Sequence[Ticket]) -> list[Window | None]:
        """Count each request in its windows; for each, the first window now over."""
        if not self._one_round_trip:
            return [self._hit_each(*ticket) for ticket in requests]
        keys: list[str] = []
        expiries: list[int] = []
        plans = []
        for endpoint, ip, address in requests:
            windows, lengths = self._redis_windows.get(endpoint) or self._plan_redis(endpoint)
            keys += [w.head + (ip if w.by_ip else address) + w.tail for w in windows]
            expiries += lengths
            plans.append(windows)
        counts = self._redis.evalsha(self.limiter.storage, keys, expiries)
        refused: list[Window | None] = []
        start = 0
        for (endpoint, ip, address), windows in zip(requests, plans, strict=True):
            mine = counts[start : start + len(windows)]
            start += len(windows)
            over = [w for w, n in zip(windows, mine, strict=True) if int(n) > w.item.amount]
            who = (ip if over[0].by_ip else address) if over else ""
            refused.append(Window(over[0].item, (self.prefix, who, endpoint)) if over else None)
        return refused

    def _hit_each(self, endpoint: str, ip: str, address: str) -> Window | None:
        strategy = self.limiter.limiter
        for window in self.windows(endpoint, ip, address):
            if not strategy.hit(window.item, *window.identifiers):
                return window
        return None

    def _plan_redis(self, endpoint: str) -> tuple[list[_RedisWindow], list[int]]:
        """The endpoint's keys as the `limits` library spells them, split around the
        identity: building them per request was a good part of the check's cost."""
        storage = self.limiter.storage
        mark = "\x00who\x00"
        windows = []
        for item, by_ip in self.scoped:
            head, tail = storage.prefixed_key(item.key_for(self.prefix, mark, endpoint)).split(mark)
            windows.append(_RedisWindow(item, by_ip, head, tail))
        plan = (windows, [w.item.get_expiry() for w in windows])
        self._redis_windows[endpoint] = plan
        return plan

    def _retry_after(self, window: Window) -> int:
        """Seconds until the refused window resets (asked only when refusing)."""
        try:
            stats = self.limiter.limiter.get_window_stats(window.item, *window.identifiers)
            return max(1, int(stats.reset_time - time.time()) + 1)
        except self.limiter.storage.base_exceptions:
            return window.item.get_expiry()


class _RedisScript:
    """EVALSHA of one script on connections of its own, one per caller at a time.

    The redis client's command path (pool checkout, retries, response callbacks) costs
    more CPU than the round trip itself; connections kept here and spoken to directly
    are a third cheaper, on every mailing request. They sit on a stack rather than in
    thread-local storage: under gevent that storage is per greenlet, which would mean a
    connection per client connection.
    """

    def __init__(self, script: str) -> None:
        self._script = script
        self._sha = hashlib.sha1(script.encode()).hexdigest()
        self._idle: list[Any] = []  # (pool, connection), most recently used last
        self._lock = threading.Lock()

    def evalsha(self, storage: RedisStorage, keys: list[str], args: list[Any]) -> Any:
        client = storage.get_connection()
        pool = client.connection_pool
        connection = self._checkout(pool)
        try:
            try:
                return self._call(connection, keys, args)
            except NoScriptError:
                client.script_load(self._script)  # a restarted server forgot it
            except (RedisConnectionError, RedisTimeoutError):
                connection.disconnect()  # reconnects for one more try
            return self._call(connection, keys, args)
        except BaseException:
            connection.disconnect()  # no half-read reply is left for the next caller
            raise
        finally:
            with self._lock:
                self._idle.append((pool, connection))

    def _call(self, connection: Any, keys: list[str], args: list[Any]) -> Any:
        # Packed by hiredis in one C call: the client's own packing encodes each of the
        # twenty-odd arguments in Python, half the CPU of a group's check.
        command = hiredis.pack_command(("EVALSHA", self._sha, len(keys), *keys, *args))
        connection.send_packed_command([command])
        return connection.read_response()

    def _checkout(self, pool: Any) -> Any:
        with self._lock:
            while self._idle:
                owner, connection = self._idle.pop()
                if owner is pool:
                    return connection
                connection.disconnect()  # the limiter's storage was replaced
        return pool.make_connection()


def ticket_for(address: str) -> Ticket:
    """What the current request is counted under: its endpoint, client IP and address."""
    return (request.endpoint or "", get_remote_address(), address_limit_key(address))


def _limited(view: Callable[..., Any], endpoint: str, limits: MailingLimits) -> Callable[..., Any]:
    @wraps(view)
    def limited_view(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            limits.check(endpoint, get_remote_address(), target_address())
        return view(*args, **kwargs)

    return limited_view


def init_app(app: Flask, mailing_endpoints: Iterable[str]) -> None:
    """The limits on every request that sends mail; run after every view is registered.

    `mailing_endpoints` send mail to an address taken from the request: each is checked
    per IP and per address before its view runs. Subscribe is not among them: the
    outbox writer counts its requests, a group at a time, just before their rows are
    written.
    """
    limiter = Limiter(key_func=get_remote_address, app=app)
    app.extensions["trustsite.limiter"] = limiter
    if not limiter.enabled:
        return
    limits = MailingLimits(
        limiter,
        app.config["LIMIT_PER_IP"],
        app.config["LIMIT_PER_ADDRESS"],
        prefix=app.config.get("RATELIMIT_KEY_PREFIX") or "",
    )
    app.extensions[_EXT] = limits
    outbox.writer(app).admit = limits.check_many  # subscribe (a refusal writes nothing)
    for endpoint in mailing_endpoints:
        app.view_functions[endpoint] = _limited(app.view_functions[endpoint], endpoint, limits)
