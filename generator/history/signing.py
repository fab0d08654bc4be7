"""Ed25519 signatures of the chain head (docs/history.md, "Signing").

The private key lives only in the environment of the publishing job
(`TRUSTSITE_SIGNING_KEY`, a CI secret): PEM (PKCS#8) or the base64 of the 32 raw bytes.
The public key is declared in site.yaml as `signing_key: ed25519:<base64 of 32 bytes>`;
its fingerprint (`SHA256:<base64 of the SHA-256 of the 32 bytes>`, unpadded, as OpenSSH
writes it) is shown on the home page. `history.json.sig` holds the base64 of the 64-byte
signature and a newline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from generator.load.errors import BuildError

ENV_VAR = "TRUSTSITE_SIGNING_KEY"
PREFIX = "ed25519:"


class SigningError(BuildError):
    """The signing key is unusable or does not match site.yaml."""


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PREFIX + base64.b64encode(raw).decode()


def fingerprint(public_text: str) -> str:
    raw = _public_raw(public_text)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def _public_raw(public_text: str) -> bytes:
    if not public_text.startswith(PREFIX):
        raise ValueError(f"a public key is written {PREFIX}<base64>, not {public_text[:20]!r}")
    try:
        raw = base64.b64decode(public_text[len(PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("the public key is not valid base64") from None
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, this one {len(raw)}")
    return raw


class Signer:
    def __init__(self, key: Ed25519PrivateKey):
        self.key = key
        self.public = public_key_text(key.public_key())

    def sign(self, message: bytes) -> bytes:
        return base64.b64encode(self.key.sign(message)) + b"\n"


def generate() -> tuple[str, str]:
    """(private key as base64 of the raw bytes, public key as written in site.yaml)."""
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode(), public_key_text(key.public_key())


def load_private(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error):
        raise SigningError(
            f"{ENV_VAR} holds no Ed25519 private key; it must be PEM (PKCS#8) or the base64 "
            "of the 32 raw bytes (trustsite keygen makes one)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{ENV_VAR} holds a key that is not Ed25519")
    return key


def signer_from_environment(declared: str | None) -> Signer | None:
    """The build's signer, or None when no key is configured; the key must match site.yaml."""
    text = os.environ.get(ENV_VAR, "")
    if not text.strip():
        return None
    signer = Signer(load_private(text))
    if declared is None:
        raise SigningError(
            f"{ENV_VAR} is set but data/site.yaml declares no signing_key; add "
            f"signing_key: {signer.public} so readers can check the signature"
        )
    if declared != signer.public:
        raise SigningError(
            f"the key in {ENV_VAR} does not match signing_key in data/site.yaml "
            f"({signer.public} is its public key); after a rotation, update site.yaml"
        )
    return signer


def check_signature(public_text: str, message: bytes, signature_file: bytes) -> str | None:
    """None if `signature_file` signs `message` with the key, else what is wrong."""
    try:
        key = Ed25519PublicKey.from_public_bytes(_public_raw(public_text))
        signature = base64.b64decode(signature_file.strip(), validate=True)
        key.verify(signature, message)
    except (InvalidSignature, binascii.Error):
        return "the signature does not match the chain head and the key"
    except ValueError as err:
        return str(err)
    return None
