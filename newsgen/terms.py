"""Per-article terms for "Xem thêm": weighted syllable unigrams and bigrams, cached with the parse."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable
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
_CACHE_LIMIT = 200_000  # distinct spellings memoised per process (a few tens of MB at most)

_PUNCT = re.compile(r"[^\w\s]+|_+")
_TOKEN_CACHE: dict[str, tuple[str, bool]] = {}
_FLOATS: dict[float, float] = {}
_QUANTISED: dict[float, float] = {}

# What one whitespace-separated chunk of text holds: its single word's term (None when
# punctuation cuts the chunk into several words, or none: a dash alone), the stop-word flag of
# its last word, punctuation before it, the prefix its last word gives the next bigram (term
# + " ", or None when punctuation follows), and the words of a cut chunk.
_Chunk = tuple[str | None, bool, bool, str | None, tuple[tuple[str, bool], ...]]
_CHUNK_CACHE: dict[str, _Chunk] = {}


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
    if len(_TOKEN_CACHE) < _CACHE_LIMIT:
        _TOKEN_CACHE[tok] = hit
    return hit


def _chunk(raw: str) -> _Chunk:
    """Cut a whitespace-free chunk at punctuation, memoised: news text repeats its chunks."""
    pieces = _PUNCT.split(raw)
    words = tuple(_token(p) for p in pieces if p)
    lead, trail = pieces[0] == "" or not words, pieces[-1] == "" or not words
    last, stop = words[-1] if words else ("", False)
    prefix = None if trail or not last else last + " "
    hit: _Chunk = (
        (last, stop, lead, prefix, ()) if len(words) == 1 else (None, stop, lead, prefix, words)
    )
    if len(_CHUNK_CACHE) >= _CACHE_LIMIT:
        _CHUNK_CACHE.clear()
    _CHUNK_CACHE[raw] = hit
    return hit


def _add_field(acc: dict[str, float], text: str, weight: float) -> None:
    """Count unigrams and bigrams of one field; punctuation ends a bigram run.

    Words are the runs of letters and digits between whitespace and punctuation; whitespace is
    split in C and each distinct chunk is cut once, so the loop does only the counting. The
    additions happen in text order, term by term, so the float sums are always the same. The
    previous word is kept as its bigram prefix ("term "): one concatenation per bigram.
    """
    uni, uni_stop, bi_stop = (
        weight * UNIGRAM_WEIGHT,
        weight * UNIGRAM_WEIGHT * STOP_WEIGHT,
        weight * STOP_WEIGHT,
    )
    get = acc.get
    chunks = _CHUNK_CACHE
    prev: str | None = None
    prev_stop = False
    for raw in unicodedata.normalize("NFC", text).split():
        term, stop, lead, prefix, words = chunks.get(raw) or _chunk(raw)
        if term is None:  # several words cut by punctuation, or punctuation alone
            weights = (uni, uni_stop, weight, bi_stop)
            _add_pieces(acc, words, None if lead else prev, prev_stop, weights)
        elif stop:
            acc[term] = get(term, 0.0) + uni_stop
            if prev is not None and not lead:
                pair = prev + term
                acc[pair] = get(pair, 0.0) + bi_stop
        else:
            acc[term] = get(term, 0.0) + uni
            if prev is not None and not lead:
                pair = prev + term
                acc[pair] = get(pair, 0.0) + (bi_stop if prev_stop else weight)
        prev = prefix
        prev_stop = stop


def _add_pieces(
    acc: dict[str, float],
    words: tuple[tuple[str, bool], ...],
    prev: str | None,
    prev_stop: bool,
    weights: tuple[float, float, float, float],
) -> None:
    """Count the words of a chunk punctuation cuts up ("2025-2030"): only the first pairs back."""
    uni, uni_stop, bi, bi_stop = weights
    get = acc.get
    for term, stop in words:
        acc[term] = get(term, 0.0) + (uni_stop if stop else uni)
        if prev is not None:
            pair = prev + term
            acc[pair] = get(pair, 0.0) + (bi_stop if stop or prev_stop else bi)
        prev = None


def _quantise(value: float) -> float:
    """Round and share float objects so that 100,000 cached term maps stay small."""
    hit = _QUANTISED.get(value)
    if hit is not None:
        return hit
    q = round(value, 3)
    q = _FLOATS.setdefault(q, q) if len(_FLOATS) < 100_000 else q
    if len(_QUANTISED) < 100_000:
        _QUANTISED[value] = q
    return q


def extract_terms(title: str, summary: str, body_text: str) -> dict[str, float]:
    """Return weighted syllable unigrams and bigrams of one article, cacheable per source."""
    acc: dict[str, float] = {}
    _add_field(acc, title, TITLE_WEIGHT)
    _add_field(acc, summary, SUMMARY_WEIGHT)
    _add_field(acc, body_text, 1.0)
    top: Iterable[tuple[str, float]] = acc.items()
    if len(acc) > MAX_TERMS:
        # a stable sort keeps the first-met of equal weights, as heapq.nlargest does, 3x faster
        top = sorted(top, key=itemgetter(1), reverse=True)[:MAX_TERMS]
    known = _QUANTISED.get  # a hit is never 0.0, so `or` only calls on a miss
    return {sys.intern(t): known(w) or _quantise(w) for t, w in top}
