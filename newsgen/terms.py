"""Per-article terms for "Xem thêm": weighted syllable unigrams and bigrams, cached with the parse."""

from __future__ import annotations

import heapq
import re
import sys
import unicodedata
from operator import itemgetter

from newsgen.vietnamese import fold

# Function words only: news words (bộ, số, năm, người, không as in "hàng không") stay in.
_STOP_TEXT = (
    "và của các những được cho với là trong đã có này một để khi thì mà từ tại về theo như"
    " cũng nhưng hoặc vì do bởi sẽ đang vẫn rất lại nếu còn đó ấy nào gì ai bị rằng cùng"
    " qua trên ở đây nhiều hơn đều chỉ vừa mới nữa hay thế vậy"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())
FOLDED_STOP = frozenset(fold(w) for w in STOP_WORDS)  # only to tidy explanations
TITLE_WEIGHT = 3.0
SUMMARY_WEIGHT = 2.0
UNIGRAM_WEIGHT = 0.3  # a lone syllable is ambiguous ("nhân"); bigrams carry the meaning
STOP_WEIGHT = 0.1
MAX_TERMS = 160  # per article: bounds the cache and the index memory

_PUNCT = re.compile(r"[^\w\s]+|_+")
_TOKEN_CACHE: dict[str, tuple[str, bool]] = {}
_FLOATS: dict[float, float] = {}


def _token(tok: str) -> tuple[str, bool]:
    """Map a raw token to its term and stop-word flag, memoised: vocabularies are small."""
    hit = _TOKEN_CACHE.get(tok)
    if hit is not None:
        return hit
    bare = fold(tok)
    plain = all(c < "\x80" or c in "Đđ" for c in tok)
    if len(tok) >= 2 and tok.isupper() and plain:
        hit = (sys.intern(bare.upper()), False)  # "AI" the acronym is not "ai" the pronoun
    else:
        hit = (sys.intern(bare), tok.lower() in STOP_WORDS)
    if len(_TOKEN_CACHE) < 200_000:
        _TOKEN_CACHE[tok] = hit
    return hit


def _add_field(acc: dict[str, float], text: str, weight: float) -> None:
    """Count unigrams and bigrams of one field; punctuation ends a bigram run."""
    uni, uni_stop, bi_stop = (
        weight * UNIGRAM_WEIGHT,
        weight * UNIGRAM_WEIGHT * STOP_WEIGHT,
        weight * STOP_WEIGHT,
    )
    get = acc.get
    for segment in _PUNCT.split(unicodedata.normalize("NFC", text)):
        prev = ""
        prev_stop = False
        for tok in segment.split():
            term, stop = _TOKEN_CACHE.get(tok) or _token(tok)
            acc[term] = get(term, 0.0) + (uni_stop if stop else uni)
            if prev:
                pair = prev + " " + term
                acc[pair] = get(pair, 0.0) + (bi_stop if stop or prev_stop else weight)
            prev, prev_stop = term, stop


def _quantise(value: float) -> float:
    """Round and share float objects so that 100,000 cached term maps stay small."""
    q = round(value, 3)
    return _FLOATS.setdefault(q, q) if len(_FLOATS) < 100_000 else q


def extract_terms(title: str, summary: str, body_text: str) -> dict[str, float]:
    """Return weighted syllable unigrams and bigrams of one article, cacheable per source."""
    acc: dict[str, float] = {}
    _add_field(acc, title, TITLE_WEIGHT)
    _add_field(acc, summary, SUMMARY_WEIGHT)
    _add_field(acc, body_text, 1.0)
    top = (
        heapq.nlargest(MAX_TERMS, acc.items(), key=itemgetter(1))
        if len(acc) > MAX_TERMS
        else acc.items()
    )
    return {sys.intern(t): _quantise(w) for t, w in top}
