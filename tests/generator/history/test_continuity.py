"""Key continuity and rotation records (generator.history.continuity)."""

from __future__ import annotations

from generator.history.continuity import (
    continuity_problems,
    keys_reached,
    rotation_problem,
    sign_rotation,
)
from generator.history.signing import Signer, fingerprint, generate, load_private

SITE = "https://trust.example/"


def _pair() -> tuple[Signer, str]:
    private, public = generate()
    return Signer(load_private(private)), public


def test_rotations_chain_from_the_old_key() -> None:
    k1, p1 = _pair()
    k2, p2 = _pair()
    _, p3 = _pair()
    records = [sign_rotation(k1, SITE, "2026-01-01", p2), sign_rotation(k2, SITE, "2026-06-01", p3)]
    assert keys_reached(SITE, p1, records) == ({p1, p2, p3}, [])
    assert (
        continuity_problems(
            {"signing_key": p1}, {"site": SITE, "signing_key": p3, "key_rotations": records}, "old"
        )
        == []
    )
    # Started from K2, K1 is never reached: rotations only go forward.
    assert p1 not in keys_reached(SITE, p2, records)[0]


def test_a_rotation_for_another_site_or_altered_is_refused() -> None:
    k1, p1 = _pair()
    _, p2 = _pair()
    record = sign_rotation(k1, "https://other.example/", "2026-01-01", p2)
    assert "is not signed by its old key" in str(rotation_problem(SITE, record))
    record = {**sign_rotation(k1, SITE, "2026-01-01", p2), "date": "2025-01-01"}
    assert "is not signed by its old key" in str(rotation_problem(SITE, record))
    assert "is not a key rotation record" in str(rotation_problem(SITE, [1]))
    assert keys_reached(SITE, p1, "junk")[1] == ["history.json: key_rotations is not a list"]


def test_an_unsigned_older_history_binds_nothing_and_a_signed_one_binds() -> None:
    _, p1 = _pair()
    _, p2 = _pair()
    assert continuity_problems({"signing_key": None}, {"site": SITE}, "old") == []
    assert continuity_problems({"signing_key": p1}, {"site": SITE, "signing_key": p1}, "o") == []
    [problem] = continuity_problems({"signing_key": p1}, {"site": SITE, "signing_key": p2}, "o")
    assert problem == (
        f"o is signed by {fingerprint(p1)}, but this history declares {fingerprint(p2)} and "
        "no key rotation signed by the old key names it"
    )
    [problem] = continuity_problems({"signing_key": "ed25519:junk"}, {"site": SITE}, "o")
    assert "declares no signing key" in problem
