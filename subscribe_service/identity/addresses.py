"""An address as it enters the service (`normalise_email`), who it is (`address_key`), and
`InvalidInput`, the error of every input check, which says what to fix."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from subscribe_service.infra.models import EMAIL_MAX


class InvalidInput(ValueError):
    """Bad input from a client; becomes a 400/422 problem naming the field."""

    def __init__(self, field: str, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail
        self.status = status


def normalise_email(value: object) -> str:
    """The address as stored and sent: validated, local part as written, domain in lower
    case and in its ASCII (A-label) form, without DNS lookups.

    The service speaks plain SMTP, so an address must be ASCII on the wire: an
    internationalised domain is written as its A-label (`bücher.example` ->
    `xn--bcher-kva.example`), and a local part with other characters is refused here
    with a reason, rather than accepted and then failing at every send. Identity (for
    duplicates and limits) is `address_key`, not this value.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("email", "Give an email address, like name@example.com.")
    if "\r" in value or "\n" in value or "\x00" in value:
        raise InvalidInput("email", "The email address must be on one line.")
    value = value.strip()
    if len(value) > EMAIL_MAX:
        raise InvalidInput("email", f"The email address is longer than {EMAIL_MAX} characters.")
    return _normalise(value)


def address_key(address: str) -> str:
    """Who an address is: the same mailbox however its letters were cased.

    Takes a `normalise_email` result (ASCII, domain already lower case) and lower-cases
    the local part too: RFC 5321 lets a server tell `Ann@` from `ann@`, but no mailbox
    provider in practice does, and treating them as two people let one inbox be
    flooded past its per-address limit.
    """
    return address.lower()


# Cached: the rate limiter's key and the view both need the same address per request.
@lru_cache(maxsize=4096)
def _normalise(value: str) -> str:
    local, _, domain = value.rpartition("@")
    if local and not local.isascii():
        raise InvalidInput("email", _non_ascii_local(local, domain))
    return _plain_address(local, domain) or _validated(value)


def _validated(value: str) -> str:
    """`value` checked by email_validator, whose messages say what is wrong."""
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as err:
        raise InvalidInput("email", f"That email address is not valid: {err}") from None
    result = f"{checked.local_part}@{checked.ascii_domain.lower()}"
    if len(result) > EMAIL_MAX:
        raise InvalidInput("email", f"The email address is longer than {EMAIL_MAX} characters.")
    return result


# The local part of nearly every address: dot-atom text (RFC 5322 3.2.3), as
# email_validator itself matches it first. Nothing in it can start a quoted string, a
# display name or a comment, so the address splits at its only @ the way
# email_validator splits it.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_ADDRESS_MAX = 254  # email_validator's limit, for each form of the address it checks
# Local parts email_validator lower-cases (RFC 2142 role mailboxes): they take the long way.
_ROLE_MAILBOXES = frozenset(name.lower() for name in CASE_INSENSITIVE_MAILBOX_NAMES)


def _plain_address(local: str, domain: str) -> str | None:
    """What `_validated` returns for a dot-atom local part at a valid domain, or None
    when the address has to go the long way (anything else, or any error: its message
    comes from email_validator).

    email_validator takes a dot-atom local part as written and checks the domain on its
    own; only the lengths depend on both. Validating it costs tens of microseconds,
    mostly on the domain, on the busiest endpoint: a domain is checked once
    (`_checked_domain`), and the local part here. Equal to the long way for every such
    address (tests/subscribe_service/identity/test_addresses.py compares them).
    """
    if not _DOT_ATOM.match(local) or local.lower() in _ROLE_MAILBOXES:
        return None
    checked = _checked_domain(domain)
    if checked is None:
        return None
    ascii_domain, longest_domain = checked
    if len(local) + 1 + longest_domain > min(_ADDRESS_MAX, EMAIL_MAX):
        return None
    return f"{local}@{ascii_domain}"


@lru_cache(maxsize=1024)
def _checked_domain(domain: str) -> tuple[str, int] | None:
    """The domain's lower-case A-label and the longest (in UTF-8 bytes) of the three
    forms email_validator measures an address in; None if email_validator refuses it."""
    try:
        checked = validate_email(f"a@{domain}", check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    forms = (domain, checked.domain, checked.ascii_domain)
    return checked.ascii_domain.lower(), max(len(form.encode()) for form in forms)


def _non_ascii_local(local: str, domain: str) -> str:
    shown = local[:64]
    detail = (
        f"The part before the @ ({shown!r}) has characters other than plain ASCII letters, "
        "digits and punctuation. This service sends mail without the SMTPUTF8 extension, "
        "so it cannot deliver to such an address; please give an ASCII address for the "
        "same mailbox."
    )
    folded = unicodedata.normalize("NFKC", local)
    if folded.isascii():  # full-width letters, ligatures and the like
        detail += f" Did you mean {folded + '@' + unicodedata.normalize('NFKC', domain)!r}?"
    return detail
