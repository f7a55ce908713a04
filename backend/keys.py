"""The server's secrets: one master secret, and a key of its own for each purpose.

Flask's session signing, the tokens' signature, the PIN hashes and the sealed receipts kept for
Idempotency-Key retries each use their own key, derived from the master secret
(`ADUAN_SECRET_KEY`) by HMAC-SHA256 over the purpose and a key id. A key that leaks, or one an
operator wants to change, is replaced by raising its key id; the master secret stays. PIN hashes
carry the id of the key that made them ("2$<hex>"), so PINs made under an older id keep working
after a rotation; id 0 is the master secret itself, which keyed the PIN hashes made before key
ids existed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# the sealing scheme, so that a later one can be told apart
SEAL_VERSION = "v1"


@lru_cache(maxsize=64)
def derive(master: str, purpose: str, key_id: int = 1) -> bytes:
    """The key for `purpose` under `key_id`, derived from the master secret."""
    if key_id == 0:
        return master.encode()
    message = f"aduan/{purpose}/{key_id}".encode()
    return hmac.new(master.encode(), message, hashlib.sha256).digest()


def derive_text(master: str, purpose: str, key_id: int = 1) -> str:
    """`derive`, as text (for the libraries that take their secret as a string)."""
    return base64.urlsafe_b64encode(derive(master, purpose, key_id)).decode().rstrip("=")


def seal(key: bytes, bound_to: str, values: dict[str, Any]) -> str:
    """`values` encrypted and authenticated (AES-256-GCM), bound to `bound_to` (the record's
    own name, so a sealed value copied onto another record does not open)."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(values).encode(), bound_to.encode())
    return f"{SEAL_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


class SealBroken(ValueError):
    """A sealed value that does not open: another key, another record, or damaged."""


def unseal(key: bytes, bound_to: str, sealed: str) -> dict[str, Any]:
    """What `seal` sealed; `SealBroken` when it does not open."""
    version, _, payload = sealed.partition(".")
    if version != SEAL_VERSION:
        raise SealBroken(f"unknown sealing scheme {version!r}")
    try:
        raw = base64.urlsafe_b64decode(payload)
        opened = AESGCM(key).decrypt(raw[:12], raw[12:], bound_to.encode())
    except (InvalidTag, ValueError) as error:
        raise SealBroken("the sealed value does not open") from error
    return json.loads(opened)


@dataclass(frozen=True)
class PinKeys:
    """The keys of the PIN hashes: new PINs under `current`, older ones under their own id."""

    master: str = field(repr=False)
    current: int = 1

    def digest(self, code: str, pin: str) -> str:
        """The stored form of a new PIN: the current key id and the keyed hash of code and PIN."""
        return f"{self.current}${self._hash(self.current, code, pin)}"

    def matches(self, stored: str, code: str, pin: str) -> bool:
        """Whether `pin` is the PIN of `code`, whichever key id `stored` was made with.

        Constant time in the PIN: the hash is always computed and compared in full.
        """
        key_id, _, expected = stored.partition("$")
        known = key_id.isdigit()
        actual = self._hash(int(key_id) if known else self.current, code, pin)
        return hmac.compare_digest(actual, expected) and known

    def unmatchable(self) -> str:
        """A stored form no PIN matches, for a code nobody has: checking a PIN against it
        takes the same work as against a real one."""
        return f"{self.current}$" + "0" * 64

    def code_lookup(self, code: str) -> str:
        """A keyed hash of a tracking code, to count its wrong PINs without listing codes."""
        return hmac.new(derive(self.master, "tracking"), code.encode(), hashlib.sha256).hexdigest()

    def _hash(self, key_id: int, code: str, pin: str) -> str:
        return hmac.new(
            derive(self.master, "pin", key_id), f"{code}:{pin}".encode(), hashlib.sha256
        ).hexdigest()
