"""The "Xem thêm" index: related articles by shared text, tags, category and date; pure."""

from __future__ import annotations

import datetime
import gc
import math
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import mul

from newsgen.terms import FOLDED_STOP

TAG_PREFIX = "#"  # text terms never contain "#": the tokeniser splits on punctuation


@dataclass(frozen=True)
class RelatedDoc:
    """What the index needs to know about one published article."""

    url: str
    terms: Mapping[str, float]
    tags: tuple[str, ...]
    category: str
    date: datetime.datetime
    pins: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class RelatedLink:
    """One entry of an article's "Xem thêm" list."""

    url: str
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Params:
    """Scoring weights and scale cuts; see `python -m newsgen.bench.related_bench --tune`.

    On the evaluation set the text score carries the signal (tags and categories there are
    generic by design): metadata weights between 0 and 0.05 tie at the top, 0.1 and above
    (tags) lose precision, so they stay mild tie-breakers. terms_per_doc 40 beats 20/30 and
    matches 60. The cuts bound the work on large sites: each article follows its 12 strongest
    terms to the 32 articles nearest in time that share them, and its weaker terms only when
    at most 8 articles share them (following them further added noise, not stories). On the
    synthetic corpus (`related_bench --n 100000`) story precision@4 is 0.91 at 100,000
    articles, where one window of 16 for every term gave 0.71, in less time.
    """

    tag_weight: float = 0.02
    category_weight: float = 0.02
    recency_weight: float = 0.02
    recency_days: float = 30.0
    terms_per_doc: int = 40  # top terms by tf-idf that enter the inverted index
    wide_terms: int = 12  # an article's strongest terms, if shared by many articles,
    wide_window: int = 32  # are followed to this many articles nearest in time;
    window: int = 0  # its weaker ones to this many (0: not at all: they only add noise)
    short: int = 8  # a term shared by at most this many articles is followed to all of them
    max_df_ratio: float = 0.5  # terms in more articles than this say nothing
    k1: float = 1.2  # BM25-style saturation of repeated terms


DEFAULT_PARAMS = Params()


_Posting = tuple[list[int], list[float]]  # article numbers (ascending), weights


@dataclass
class _Index:
    """Per-article sparse vectors and the inverted index over them, in date order."""

    docs: list[RelatedDoc]
    terms: list[tuple[str, ...]]
    weights: list[array[float]]
    postings: dict[str, _Posting]
    refs: list[list[_Posting]]  # per article: its terms' postings, so queries skip the dict
    where: list[array[int]]  # per article: its position in each of those postings
    by_url: dict[str, int]
    urls: list[str]
    ts: list[float]
    cats: list[str]


def _idf(docs: Sequence[RelatedDoc], p: Params) -> tuple[dict[str, float], dict[str, float]]:
    """Compute idf of text terms and tags, dropping terms no other article shares."""
    n = len(docs)
    df = Counter(chain.from_iterable(d.terms.keys() for d in docs))
    tf = Counter(chain.from_iterable(set(d.tags) for d in docs))
    cap = max(20.0, p.max_df_ratio * n)  # small sites: every shared term still counts
    log = math.log
    idf = {t: log((n + 1) / c) for t, c in df.items() if 2 <= c <= cap}
    tag_idf = {t: log((n + 1) / c) for t, c in tf.items() if c >= 2}
    return idf, tag_idf


def _vector(
    doc: RelatedDoc, idf: Mapping[str, float], tag_idf: Mapping[str, float], p: Params
) -> tuple[list[float], list[str]]:
    """Weight one article's terms (saturated tf x idf, top few) and tags, each part unit length."""
    k1, k1p = p.k1, p.k1 + 1.0
    get = idf.get
    top = [(tf * k1p / (tf + k1) * g, t) for t, tf in doc.terms.items() if (g := get(t))]
    top.sort(reverse=True)  # weight desc, then term desc: what heapq.nlargest would keep
    del top[p.terms_per_doc :]
    weights: list[float] = [w for w, _ in top]
    terms: list[str] = [t for _, t in top]
    norm = math.sqrt(sum(map(mul, weights, weights))) or 1.0
    weights = [w / norm for w in weights]
    tags = sorted((tag_idf[t], t) for t in set(doc.tags) if t in tag_idf)
    if tags:
        tnorm = math.sqrt(sum(w * w for w, _ in tags)) or 1.0
        scale = math.sqrt(p.tag_weight) / tnorm
        weights.extend(w * scale for w, _ in tags)
        terms.extend(TAG_PREFIX + t for _, t in tags)
    return weights, terms


def _build_index(docs: list[RelatedDoc], p: Params) -> _Index:
    """Vectorise every article and post its terms, articles in (date, url) order."""
    idf, tag_idf = _idf(docs, p)
    urls = [d.url for d in docs]
    ts = [d.date.timestamp() for d in docs]
    by_url = {u: i for i, u in enumerate(urls)}
    index = _Index(docs, [], [], {}, [], [], by_url, urls, ts, [d.category for d in docs])
    postings = index.postings
    get = postings.get
    for i, doc in enumerate(docs):
        weights, terms = _vector(doc, idf, tag_idf, p)
        index.terms.append(tuple(terms))
        index.weights.append(array("d", weights))
        refs: list[_Posting] = []
        where = array("i")
        for w, t in zip(weights, terms, strict=True):
            post = get(t)
            if post is None:
                post = postings[t] = ([], [])
            ids = post[0]
            refs.append(post)
            where.append(len(ids))
            ids.append(i)
            post[1].append(w)
        index.refs.append(refs)
        index.where.append(where)
    return index


def _accumulate(index: _Index, i: int, p: Params) -> dict[int, float]:
    """Sum term-weight products with the articles sharing a term: no all-pairs comparison.

    A term shared by many articles is only followed to the ones nearest in time: the
    article's `wide_terms` strongest terms to `wide_window` of them, the rest to `window`;
    a term shared by at most `short` articles (small sites) is followed to all of them.
    """
    acc: dict[int, float] = {}
    get = acc.get
    wide, short = p.wide_terms, p.short
    refs, weights, where = index.refs[i], index.weights[i], index.where[i]
    for k, ((ids, ws), w, at) in enumerate(zip(refs, weights, where, strict=True)):
        n = len(ids)
        if n > short:  # a common term: only to the articles nearest in time
            window = p.wide_window if k < wide else p.window
            if window <= 0:
                continue
            if n > window:
                lo = at - window // 2
                lo = 0 if lo < 0 else (n - window if lo > n - window else lo)
                ids, ws = ids[lo : lo + window], ws[lo : lo + window]
        for j, wj in zip(ids, ws, strict=False):  # equal lengths: strict costs time
            acc[j] = get(j, 0.0) + w * wj
    acc.pop(i, None)
    return acc


def _bonus(index: _Index, i: int, j: int, p: Params) -> float:
    """Add the metadata preferences: same category, close in time (a story's follow-ups)."""
    days = abs(index.ts[j] - index.ts[i]) / 86400.0
    same = p.category_weight if index.cats[i] == index.cats[j] else 0.0
    return same + p.recency_weight * math.exp(-days / p.recency_days)


def _rank(
    index: _Index, i: int, acc: dict[int, float], need: int, p: Params
) -> list[tuple[float, int]]:
    """Return the best `need` candidates exactly, rescoring only those the bonus could lift."""
    if need <= 0 or not acc:
        return []
    if len(acc) > need:
        # the need-th best text score is a floor for the final list: only articles within
        # the largest bonus of it can enter (a hair of slack for the rounding below)
        floor = sorted(acc.values(), reverse=True)[need - 1]
        cut = floor - p.category_weight - p.recency_weight - 1e-9
        head = [(j, s) for j, s in acc.items() if s >= cut]
    else:
        head = list(acc.items())
    ts, urls = index.ts, index.urls
    # score desc, then date desc, then url asc: the same lists whatever the input order
    ranked = sorted((-round(s + _bonus(index, i, j, p), 9), -ts[j], urls[j], j) for j, s in head)
    return [(-key[0], key[3]) for key in ranked[:need]]


def _phrases(terms: Sequence[str]) -> list[str]:
    """Chain overlapping shared bigrams ("tri tue", "tue nhan", "nhan tao") into readable phrases."""
    pairs = [tuple(t.split(" ")) for t in terms if " " in t and not set(t.split(" ")) & FOLDED_STOP]
    after = {a: b for a, b in reversed(pairs)}  # the strongest continuation wins
    before = {b: a for a, b in reversed(pairs)}
    used: set[tuple[str, ...]] = set()
    out: list[list[str]] = []
    for pair in pairs:
        if pair in used:
            continue
        used.add(pair)
        ph = list(pair)
        while (x := after.get(ph[-1])) and (ph[-1], x) not in used and x not in ph:
            used.add((ph[-1], x))
            ph.append(x)
        while (x := before.get(ph[0])) and (x, ph[0]) not in used and x not in ph:
            used.add((x, ph[0]))
            ph.insert(0, x)
        out.append(ph)
    covered = {tok for ph in out for tok in ph}
    return [" ".join(ph) for ph in out] + [t for t in terms if " " not in t and t not in covered]


def _reasons(index: _Index, i: int, j: int, pinned: bool, p: Params) -> tuple[str, ...]:
    """Say in words why j is on i's list (for `newsgen related PATH`)."""
    a, b = index.docs[i], index.docs[j]
    out = ["pinned"] if pinned else []
    wb = dict(zip(index.terms[j], index.weights[j], strict=True))
    shared = sorted(
        (
            (w * wb[t], t)
            for t, w in zip(index.terms[i], index.weights[i], strict=True)
            if t in wb and not t.startswith(TAG_PREFIX)
        ),
        key=lambda wt: (-wt[0], wt[1]),
    )
    if shared:
        out.append("shared terms: " + ", ".join(_phrases([t for _, t in shared[:12]])[:4]))
    tags = [t for t in dict.fromkeys(a.tags) if t in set(b.tags)]
    if tags:
        out.append("shared tags: " + ", ".join(tags))
    if a.category == b.category:
        out.append("same category")
    days = (b.date - a.date).total_seconds() / 86400.0
    if 0 <= days <= p.recency_days:
        out.append("recent follow-up")
    elif -p.recency_days <= days < 0:
        out.append("same period")
    return tuple(out)


def _links(index: _Index, i: int, count: int, explain: bool, p: Params) -> tuple[RelatedLink, ...]:
    """Put valid pins first, then the best automatic links, up to `count` (pins always shown)."""
    doc = index.docs[i]
    if not doc.enabled:
        return ()
    acc = _accumulate(index, i, p)
    ranked = _rank(index, i, acc, count + len(doc.pins) + len(doc.exclude), p)
    skip = set(doc.exclude) | {doc.url}
    chosen: list[tuple[int, float, bool]] = []
    for url in doc.pins:
        j = index.by_url.get(url)
        if j is not None and url not in skip:
            skip.add(url)
            score = round(acc[j] + _bonus(index, i, j, p), 9) if j in acc else 0.0
            chosen.append((j, score, True))
    for score, j in ranked:
        if len(chosen) >= count:
            break
        if index.docs[j].url not in skip:
            skip.add(index.docs[j].url)
            chosen.append((j, score, False))
    return tuple(
        RelatedLink(index.docs[j].url, s, _reasons(index, i, j, pin, p) if explain else ())
        for j, s, pin in chosen
    )


def build_related(
    docs: Sequence[RelatedDoc],
    count: int = 5,
    explain: bool = False,
    params: Params = DEFAULT_PARAMS,
) -> dict[str, tuple[RelatedLink, ...]]:
    """Compute every article's "Xem thêm" list once per build, deterministically."""
    ordered = sorted(docs, key=lambda d: (d.date, d.url))
    dupes = sorted(_dupes(ordered))
    if dupes:
        raise ValueError(f"duplicate article urls: {', '.join(dupes)}")
    # millions of short-lived tuples and floats, no reference cycles: the cyclic collector
    # would only rescan the cached term maps over and over (about 10% of the time)
    collecting = gc.isenabled()
    gc.disable()
    try:
        index = _build_index(ordered, params)
        return {
            doc.url: _links(index, i, count, explain, params)
            for i, doc in sorted(enumerate(ordered), key=lambda x: x[1].url)
        }
    finally:
        if collecting:
            gc.enable()


def _dupes(docs: Sequence[RelatedDoc]) -> set[str]:
    """Find urls that occur more than once (the index is keyed by url)."""
    return {u for u, c in Counter(d.url for d in docs).items() if c > 1}


def to_json_mapping(result: Mapping[str, Sequence[RelatedLink]]) -> dict[str, list[str]]:
    """Flatten the lists for xem-them.json: url -> related urls in rank order, keys sorted."""
    return {url: [link.url for link in result[url]] for url in sorted(result)}
