"""Every Vietnamese text rule newsgen applies, in one place: pure functions, no I/O."""

from __future__ import annotations

import unicodedata


def normalize(text: str) -> str:
    """Return NFC text with the look-alike Ð/ð mapped to Đ/đ."""
    return unicodedata.normalize("NFC", text).replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")


def fold(text: str) -> str:
    """Strip diacritics and case so that typed-without-accents text matches."""
    decomposed = unicodedata.normalize("NFD", normalize(text).replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())
