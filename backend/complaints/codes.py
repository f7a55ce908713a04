"""Tracking codes and PINs: how a complaint is followed without an account.

A code is 40 random bits in Crockford base32 (nothing to enumerate), read out over the phone
at walk-in desks; a PIN is six random digits, kept only as a keyed hash (`backend.keys`).
"""

from __future__ import annotations

import re
import secrets

# Crockford base32 without look-alikes: codes are read out over the phone at walk-in desks
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_tracking_code() -> str:
    """A random, non-sequential tracking code such as ADU-7K3M-9QXP (40 bits)."""
    bits = secrets.randbits(40)  # one draw: eight 5-bit letters of the 32-letter alphabet
    chars = "".join(CODE_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"ADU-{chars[:4]}-{chars[4:]}"


def new_pin() -> str:
    """A random six-digit PIN."""
    return f"{secrets.randbelow(1_000_000):06d}"


def normalise_code(code: str) -> str:
    """Codes are typed by people: ignore case, spaces, dashes and look-alike letters."""
    chars = re.sub(r"[\s-]", "", code.upper())
    chars = chars.removeprefix("ADU").translate(str.maketrans("OIL", "011"))
    return f"ADU-{chars[:4]}-{chars[4:]}" if len(chars) == 8 else code.strip().upper()
