"""The "Xem thêm" index: related articles by shared text, tags, category and date; pure."""

from __future__ import annotations

import datetime
import gc
import math
import multiprocessing
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from itertools import chain
from operator import mul
from typing import Any, NamedTuple, Protocol

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
    # the article's digest: a new process knows an unchanged article without reading its terms
    digest: str = field(default="", compare=False)


_DOC_FIELDS = tuple(f.name for f in fields(RelatedDoc))
_new_tuple = tuple.__new__


def _doc(*values: Any) -> RelatedDoc:
    """Make a RelatedDoc from its field values without the frozen __init__ (a loaded index
    makes 10,000: object.__setattr__ per field cost 0.02 s)."""
    doc = object.__new__(RelatedDoc)
    doc.__dict__.update(zip(_DOC_FIELDS, values, strict=True))
    return doc


class RelatedLink(NamedTuple):
    """One entry of an article's "Xem thêm" list (a named tuple: a loaded index makes 50,000)."""

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


# A posting: article numbers (ascending, i.e. (date, url) order), their weights, and the rank
# of the term in each article's vector (which decides how far that article follows the term)
_Posting = tuple[list[int], list[float], list[int]]


_Chosen = tuple[tuple[int, float, bool], ...]  # (article, score, pinned) in list order
# (score, article) of the best candidate left off a list, or a key ranking no lower than it;
# None when every candidate is on the list
_Runner = tuple[float, int] | None
_NO_FLOOR = (-math.inf, "")


class _Rows(Protocol):
    """Per-article rows: a list, or rows made on demand (_LoadedRefs)."""

    def __getitem__(self, i: int, /) -> list[_Posting]: ...

    def __setitem__(self, i: int, row: list[_Posting], /) -> None: ...


def _df(docs: Sequence[RelatedDoc]) -> tuple[Counter[str], Counter[str]]:
    """Count in how many articles each text term and each tag occurs."""
    df = Counter(chain.from_iterable(d.terms.keys() for d in docs))
    tf = Counter(chain.from_iterable(set(d.tags) for d in docs))
    return df, tf


def _cap(n: int, p: Params) -> float:
    """Return the largest document frequency a term may have and still count."""
    return max(20.0, p.max_df_ratio * n)  # small sites: every shared term still counts


def _idf_of(c: int, n: int, cap: float) -> float | None:
    """Return a text term's idf, or None when no other article shares it or too many do."""
    return math.log((n + 1) / c) if 2 <= c <= cap else None


def _tag_idf_of(c: int, n: int) -> float | None:
    """Return a tag's idf, or None when no other article has the tag."""
    return math.log((n + 1) / c) if c >= 2 else None


def _idfs(
    df: Mapping[str, int], tf: Mapping[str, int], n: int, p: Params
) -> tuple[dict[str, float], dict[str, float]]:
    """Turn document frequencies into idf maps (terms shared by 2..cap articles, tags by 2+)."""
    cap = _cap(n, p)
    log = math.log
    idf = {t: log((n + 1) / c) for t, c in df.items() if 2 <= c <= cap}
    tag_idf = {t: log((n + 1) / c) for t, c in tf.items() if c >= 2}
    return idf, tag_idf


def _vector(
    doc: RelatedDoc, idf: Mapping[str, float], tag_idf: Mapping[str, float], p: Params
) -> tuple[list[float], list[str], tuple[float, str]]:
    """Weight one article's terms (saturated tf x idf, top few) and tags, each part unit length.

    Also return the weakest kept (weight, term): a term whose idf rises enters the vector
    only if it beats it (so an edit need not re-weight every article that has the term).
    """
    k1, k1p = p.k1, p.k1 + 1.0
    get = idf.get
    top = [(tf * k1p / (tf + k1) * g, t) for t, tf in doc.terms.items() if (g := get(t))]
    top.sort(reverse=True)  # weight desc, then term desc: what heapq.nlargest would keep
    keep = p.terms_per_doc
    floor = top[keep - 1] if keep > 0 and len(top) >= keep else _NO_FLOOR
    del top[keep:]
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
    return weights, terms, floor


def _accumulate(refs: list[_Posting], weights: array[float], i: int, p: Params) -> dict[int, float]:
    """Sum term-weight products with the articles sharing a term: no all-pairs comparison.

    A term shared by many articles is only followed to the ones nearest in time: the
    article's `wide_terms` strongest terms to `wide_window` of them, the rest to `window`;
    a term shared by at most `short` articles (small sites) is followed to all of them.
    """
    acc: dict[int, float] = {}
    get = acc.get
    wide, short, wide_window, narrow = p.wide_terms, p.short, p.wide_window, p.window
    for k, ((ids, ws, _), w) in enumerate(zip(refs, weights, strict=True)):
        n = len(ids)
        if n > short:  # a common term: only to the articles nearest in time
            window = wide_window if k < wide else narrow
            if window <= 0:
                continue
            if n > window:
                lo = bisect_left(ids, i) - window // 2
                lo = 0 if lo < 0 else (n - window if lo > n - window else lo)
                ids, ws = ids[lo : lo + window], ws[lo : lo + window]
        for j, wj in zip(ids, ws, strict=False):  # equal lengths: strict costs time
            acc[j] = get(j, 0.0) + w * wj
    acc.pop(i, None)
    return acc


def _window(ids: Sequence[int], i: int, k: int, p: Params) -> tuple[int, int]:
    """Return the slice of a posting that article i (whose k-th term it is) follows."""
    n = len(ids)
    if n <= p.short:
        return 0, n
    window = p.wide_window if k < p.wide_terms else p.window
    if window <= 0:
        return 0, 0
    if n <= window:
        return 0, n
    lo = bisect_left(ids, i) - window // 2
    lo = 0 if lo < 0 else (n - window if lo > n - window else lo)
    return lo, lo + window


def _followers(n: int, at: int, p: Params) -> Iterator[tuple[int, int, bool | None]]:
    """Yield the posting slices whose articles follow the entry at `at` (the reverse of _window).

    Each slice comes with the rank class it applies to: True for an article's wide terms,
    False for its other terms, None for both.
    """
    if n <= p.short:
        yield 0, n, None
        return
    for window, wide in ((p.wide_window, True), (p.window, False)):
        if window <= 0:
            continue
        if n <= window:
            yield 0, n, wide
            continue
        half = window // 2
        # article q follows lo(q) .. lo(q)+window-1, lo(q) = clamp(q - half, 0, n - window)
        first = 0 if at <= window - 1 else at - window + 1 + half
        last = n - 1 if n - window <= at else min(n - 1, at + half)
        yield first, last + 1, wide


def _bonus(index: RelatedIndex, i: int, j: int, p: Params) -> float:
    """Add the metadata preferences: same category, close in time (a story's follow-ups)."""
    days = abs(index._ts[j] - index._ts[i]) / 86400.0
    same = p.category_weight if index._cats[i] == index._cats[j] else 0.0
    return same + p.recency_weight * math.exp(-days / p.recency_days)


def _rank(
    index: RelatedIndex, i: int, acc: dict[int, float], need: int, p: Params
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
    ts, urls, cats = index._ts, index._urls, index._cats
    ti, ci, exp = ts[i], cats[i], math.exp
    cw, rw, rd = p.category_weight, p.recency_weight, p.recency_days
    # score desc, then date desc, then url asc: the same lists whatever the input order;
    # the bonus is _bonus inlined (same operations, same floats): it runs for every candidate
    ranked = sorted(
        [
            (
                -round(
                    s
                    + (
                        (cw if cats[j] == ci else 0.0) + rw * exp(-(abs(ts[j] - ti) / 86400.0) / rd)
                    ),
                    9,
                ),
                -ts[j],
                urls[j],
                j,
            )
            for j, s in head
        ]
    )
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


def _reasons(index: RelatedIndex, i: int, j: int, pinned: bool, p: Params) -> tuple[str, ...]:
    """Say in words why j is on i's list (for `newsgen related PATH`)."""
    a, b = index._docs[i], index._docs[j]
    out = ["pinned"] if pinned else []
    wb = dict(zip(index._terms[j], index._weights[j], strict=True))
    shared = sorted(
        (
            (w * wb[t], t)
            for t, w in zip(index._terms[i], index._weights[i], strict=True)
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


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic collector while building.

    Millions of short-lived tuples and floats, no reference cycles: the collector would only
    rescan the cached term maps over and over (about 10% of the time).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class RelatedIndex:
    """Related lists kept between builds; update() recomputes only the lists an edit can change.

    update(docs) always returns exactly build_related(docs, count, False, params). The first
    call builds everything; later calls with the same articles (same urls and dates) redo only
    what an edit of text, tags, category, pins, exclusions or `enabled` can reach: the idf of
    the terms that entered or left the edited articles, the vectors holding those terms, the
    postings those vectors enter or leave, and the lists that follow a changed article.
    Each list remembers its best left-off candidate (the runner-up): a list is rescored
    exactly and kept when nothing can have overtaken, else recomputed; vectors that barely
    moved (idf changes) raise the runner-up by a proven bound instead of being followed.
    Anything else (articles added, removed or re-dated, too many edits at once) is a full
    build. The state pickles compactly, so a later process can load it and update.
    """

    max_changed_ratio = 0.05  # more edited articles than this at once: a full build
    max_vector_ratio = 0.25  # more vectors to redo than this: a full build is about as fast
    follow_cost = 1.2  # following a changed vector to the lists that reach it, in list recomputes
    list_cost = 1.0

    def __init__(self, count: int, params: Params = DEFAULT_PARAMS) -> None:
        self.count = count
        self.params = params
        self.stats: dict[str, int] = {}  # what the last update did (for benchmarks and tests)
        self._docs: list[RelatedDoc] = []
        self._urls: list[str] = []
        self._ts: list[float] = []
        self._cats: list[str] = []
        self._by_url: dict[str, int] = {}
        self._df: Counter[str] = Counter()
        self._tf: Counter[str] = Counter()
        self._idf: dict[str, float] = {}
        self._tag_idf: dict[str, float] = {}
        self._terms: list[tuple[str, ...]] = []
        self._weights: list[array[float]] = []
        self._floors: list[tuple[float, str]] = []
        self._postings: dict[str, _Posting] = {}
        no_rows: list[list[_Posting]] = []
        self._refs: _Rows = no_rows  # per article: its terms' postings
        self._chosen: list[_Chosen] = []
        self._runners: list[_Runner] = []
        self._shown_by: list[set[int]] = []  # per article: the lists it is on
        self._result: dict[str, tuple[RelatedLink, ...]] = {}
        self._pack: _TermPack | None = None  # the terms as loaded: saving again copies slices
        # the kept terms as loaded, numbered and as rows: saving again copies unchanged rows
        self._loaded_terms: tuple[tuple[array[int], array[int]], list[tuple[str, ...]]] | None
        self._loaded_terms = None

    # --- public -----------------------------------------------------------------------

    def doc(self, url: str) -> RelatedDoc | None:
        """Return the article at `url` as this index last saw it, or None."""
        at = self._by_url.get(url)
        return self._docs[at] if at is not None and at < len(self._docs) else None

    def update(
        self, docs: Sequence[RelatedDoc], jobs: int = 1
    ) -> dict[str, tuple[RelatedLink, ...]]:
        """Return every article's list for this doc set, reusing what the last call computed.

        A full build ranks in `jobs` forked processes (the caller must not run threads then).
        """
        plan = self._plan(docs)
        with _no_gc():
            if plan is None or not self._incremental(*plan):
                self._build(docs, jobs=jobs)
        return dict(self._result)

    # --- full build ---------------------------------------------------------------------

    def _build(
        self, docs: Sequence[RelatedDoc], explain: bool = False, jobs: int = 1
    ) -> dict[str, tuple[RelatedLink, ...]]:
        """Index and rank every article from scratch (the reference the updates must equal)."""
        ordered = sorted(docs, key=lambda d: (d.date, d.url))
        dupes = sorted(_dupes(ordered))
        if dupes:
            raise ValueError(f"duplicate article urls: {', '.join(dupes)}")
        with _no_gc():
            self._index(ordered)
            n = len(ordered)
            picks = _choose_all(self, n, jobs)
            self._chosen = [c for c, _ in picks]
            self._runners = [r for _, r in picks]
            self._index_shown()
            result = {
                self._urls[i]: self._links(i, self._chosen[i], explain)
                for i in sorted(range(n), key=self._urls.__getitem__)
            }
        self._result = result
        if explain:
            self._docs = []  # lists with reasons are not what update() returns: start over
        self.stats = {"full": 1, "recomputed": n, "vectors": n}
        return result

    def _index(self, docs: list[RelatedDoc]) -> None:
        """Vectorise every article and post its terms, articles in (date, url) order."""
        p = self.params
        self._set_docs(docs)
        self._df, self._tf = _df(docs)
        self._idf, self._tag_idf = idf, tag_idf = _idfs(self._df, self._tf, len(docs), p)
        self._terms, self._weights, self._floors = [], [], []
        rows: list[list[_Posting]] = []
        self._refs = rows
        postings: dict[str, _Posting] = {}
        self._postings = postings
        get = postings.get
        for i, doc in enumerate(docs):
            weights, terms, floor = _vector(doc, idf, tag_idf, p)
            self._terms.append(tuple(terms))
            self._weights.append(array("d", weights))
            self._floors.append(floor)
            refs: list[_Posting] = []
            for k, (w, t) in enumerate(zip(weights, terms, strict=True)):
                post = get(t)
                if post is None:
                    post = postings[t] = ([], [], [])
                post[0].append(i)
                post[1].append(w)
                post[2].append(k)
                refs.append(post)
            rows.append(refs)

    def _set_docs(self, docs: list[RelatedDoc]) -> None:
        """Keep the articles and the per-article facts the ranking reads."""
        self._docs = docs
        self._urls = [d.url for d in docs]
        self._ts = [d.date.timestamp() for d in docs]
        self._cats = [d.category for d in docs]
        self._by_url = {u: i for i, u in enumerate(self._urls)}

    def _choose(self, i: int) -> tuple[_Chosen, _Runner]:
        """Put valid pins first, then the best automatic links, up to `count` (pins always shown).

        Also return the best candidate left off (what a later update must stay ahead of).
        """
        doc, p, count = self._docs[i], self.params, self.count
        if not doc.enabled:
            return (), None
        acc = _accumulate(self._refs[i], self._weights[i], i, p)
        need = count + len(doc.pins) + len(doc.exclude) + 1  # one more: the runner-up
        ranked = _rank(self, i, acc, need, p)
        skip = set(doc.exclude) | {doc.url}
        chosen: list[tuple[int, float, bool]] = []
        for url in doc.pins:
            j = self._by_url.get(url)
            if j is not None and url not in skip:
                skip.add(url)
                score = round(acc[j] + _bonus(self, i, j, p), 9) if j in acc else 0.0
                chosen.append((j, score, True))
        urls = self._urls
        at = 0
        for score, j in ranked:
            if len(chosen) >= count:
                break
            at += 1
            if urls[j] not in skip:
                skip.add(urls[j])
                chosen.append((j, score, False))
        runner = next(((s, j) for s, j in ranked[at:] if urls[j] not in skip), None)
        if runner is None and ranked and len(ranked) == need:
            runner = ranked[-1]  # candidates past `need` rank no higher than the last one
        return tuple(chosen), runner

    def _index_shown(self) -> None:
        """Record on which lists each article is (an edit of it reaches those lists first)."""
        self._shown_by = [set() for _ in self._docs]
        for i, chosen in enumerate(self._chosen):
            for j, _, _ in chosen:
                self._shown_by[j].add(i)

    def _set_list(self, i: int, chosen: _Chosen, runner: _Runner) -> None:
        """Replace article i's list (and its reverse entries and its link tuple)."""
        if chosen != self._chosen[i]:
            for j, _, _ in self._chosen[i]:
                self._shown_by[j].discard(i)
            for j, _, _ in chosen:
                self._shown_by[j].add(i)
            self._chosen[i] = chosen
            self._result[self._urls[i]] = self._links(i, chosen)
        self._runners[i] = runner

    def _links(self, i: int, chosen: _Chosen, explain: bool = False) -> tuple[RelatedLink, ...]:
        """Turn chosen article numbers into links (with reasons for `newsgen related`)."""
        urls, p = self._urls, self.params
        if not explain:  # tuple.__new__: RelatedLink() costs a Python call per link
            return tuple([_new_tuple(RelatedLink, (urls[j], s, ())) for j, s, _ in chosen])
        return tuple([RelatedLink(urls[j], s, _reasons(self, i, j, pin, p)) for j, s, pin in chosen])

    # --- incremental update -------------------------------------------------------------

    def _plan(self, docs: Sequence[RelatedDoc]) -> tuple[list[RelatedDoc], list[int]] | None:
        """Match the new docs to the kept ones: the edited positions, or None for a full build."""
        n = len(self._docs)
        if not n or len(docs) != n:
            return None
        by_url = {d.url: d for d in docs}
        if len(by_url) != n:
            return None  # duplicates: the full build reports them
        new: list[RelatedDoc] = []
        changed: list[int] = []
        for i, (old, url) in enumerate(zip(self._docs, self._urls, strict=True)):
            d = by_url.get(url)
            if d is None:
                return None
            if d is not old:
                if d.date != old.date:
                    return None  # re-dated: the order changes
                if d != old:
                    changed.append(i)
            new.append(d)
        if len(changed) > self.max_changed_ratio * n:
            return None
        return new, changed

    def _incremental(self, new: list[RelatedDoc], changed: list[int]) -> bool:
        """Apply the edits of `changed`; False (state half updated) when a full build is cheaper."""
        old = self._docs
        self._docs = new
        if not changed:
            self.stats = {"full": 0, "recomputed": 0, "vectors": 0, "changed": 0}
            return True
        terms, tags, moved = self._count_changes(old, new, changed)
        redo = self._reweighted(terms, tags) | set(changed)
        if len(redo) > self.max_vector_ratio * len(new):
            return False
        vectors, snapshots, deltas = self._revectorise(sorted(redo))
        recompute = set(changed) | set(vectors)
        edited = {v: d for v, d in deltas.items() if v not in changed}
        followed, bounded, bound = self._split(edited, recompute) if edited else ([], [], 0.0)
        sources = sorted(set(followed) | set(moved) | (set(vectors) & set(changed)))
        pairs: defaultdict[int, set[int]] = defaultdict(set)
        self._followers_of(sources, recompute, pairs)
        self._shifted_windows(snapshots, recompute, pairs)
        if bounded:
            self._raise_runners(bounded, bound, recompute, pairs)
        rescored = 0
        for i in sorted(pairs.keys() - recompute):
            if not self._docs[i].enabled:
                continue
            fresh = self._refresh(i, {j: self._score(i, j) for j in sorted(pairs[i])})
            if fresh is None:
                recompute.add(i)
            else:
                rescored += 1
                self._set_list(i, *fresh)
        for i in sorted(recompute):
            self._set_list(i, *self._choose(i))
        self.stats = {
            "full": 0,
            "changed": len(changed),
            "recomputed": len(recompute),
            "vectors": len(vectors),
            "rescored": rescored,
            "followed": len(sources),
            "bounded": len(bounded),
        }
        return True

    def _count_changes(
        self, old: list[RelatedDoc], new: list[RelatedDoc], changed: list[int]
    ) -> tuple[set[str], set[str], list[int]]:
        """Update document frequencies; return the terms and tags whose count moved, and the
        articles whose category changed (their bonus in other lists moves)."""
        df, tf = self._df, self._tf
        terms: set[str] = set()
        tags: set[str] = set()
        moved: list[int] = []
        for i in changed:
            a, b = old[i], new[i]
            if a.terms.keys() != b.terms.keys():
                for t in a.terms.keys() - b.terms.keys():
                    df[t] -= 1
                    if not df[t]:
                        del df[t]
                    terms.add(t)
                for t in b.terms.keys() - a.terms.keys():
                    df[t] += 1
                    terms.add(t)
            at, bt = set(a.tags), set(b.tags)
            for t in at - bt:
                tf[t] -= 1
                if not tf[t]:
                    del tf[t]
                tags.add(t)
            for t in bt - at:
                tf[t] += 1
                tags.add(t)
            if a.category != b.category:
                self._cats[i] = b.category
                moved.append(i)
        return terms, tags, moved

    def _reweighted(self, terms: set[str], tags: set[str]) -> set[int]:
        """Update idf; return the articles whose vector an idf change can alter."""
        n, p = len(self._docs), self.params
        cap = _cap(n, p)
        idf, tag_idf, postings = self._idf, self._tag_idf, self._postings
        redo: set[int] = set()
        k1, k1p = p.k1, p.k1 + 1.0
        for t in sorted(terms):
            before, after = idf.get(t), _idf_of(self._df.get(t, 0), n, cap)
            if before == after:
                continue
            if after is None:
                del idf[t]
            else:
                idf[t] = after
            if t in postings:  # the vectors holding t change weight (or lose t)
                redo.update(postings[t][0])
            if after is not None and (before is None or after > before):
                # t may now beat the weakest kept term of an article that has it
                floors = self._floors
                for i, d in enumerate(self._docs):
                    tf = d.terms.get(t)
                    if tf is not None and (tf * k1p / (tf + k1) * after, t) > floors[i]:
                        redo.add(i)
        for t in sorted(tags):
            before, after = tag_idf.get(t), _tag_idf_of(self._tf.get(t, 0), n)
            if before == after:
                continue
            if after is None:
                del tag_idf[t]
            else:
                tag_idf[t] = after
            redo.update(i for i, d in enumerate(self._docs) if t in d.tags)
        return redo

    def _revectorise(
        self, redo: list[int]
    ) -> tuple[list[int], dict[str, list[int]], dict[int, float]]:
        """Recompute the vectors of `redo` and re-post those that changed.

        Returns the articles whose vector changed, for each posting that gained or lost
        articles its article list before the first change, and for each changed vector a
        bound on how far any other article's text score with it can have moved.
        """
        p, postings = self.params, self._postings
        # |sum w_i dw_v| <= |w_i| |dw_v| and |w_i| <= sqrt(1 + tag_weight): text and tag
        # parts are each unit length; the factor and the addend cover float rounding
        reach = math.sqrt(1.0 + max(p.tag_weight, 0.0)) * (1.0 + 1e-9)
        deltas: dict[int, float] = {}
        changed: list[int] = []
        snapshots: dict[str, list[int]] = {}
        for v in redo:
            weights, terms, self._floors[v] = _vector(self._docs[v], self._idf, self._tag_idf, p)
            new_terms, new_weights = tuple(terms), array("d", weights)
            if new_terms == self._terms[v] and new_weights == self._weights[v]:
                continue
            changed.append(v)
            kept = set(new_terms)
            for t in self._terms[v]:
                if t not in kept:
                    ids, ws, ks = postings[t]
                    snapshots.setdefault(t, ids[:])
                    q = bisect_left(ids, v)
                    del ids[q], ws[q], ks[q]
            for k, (t, w) in enumerate(zip(new_terms, weights, strict=True)):
                post = postings.get(t)
                if post is None:
                    post = postings[t] = ([], [], [])
                ids, ws, ks = post
                q = bisect_left(ids, v)
                if q < len(ids) and ids[q] == v:
                    ws[q], ks[q] = w, k
                else:
                    snapshots.setdefault(t, ids[:])
                    ids.insert(q, v)
                    ws.insert(q, w)
                    ks.insert(q, k)
            before = dict(zip(self._terms[v], self._weights[v], strict=True))
            after = dict(zip(new_terms, new_weights, strict=True))
            moved = sum((after.get(t, 0.0) - before.get(t, 0.0)) ** 2 for t in before | after)
            deltas[v] = reach * math.sqrt(moved) + 1e-12
            self._terms[v], self._weights[v] = new_terms, new_weights
        for t in snapshots:
            if not postings[t][0]:
                del postings[t]
        for v in changed:
            self._refs[v] = [postings[t] for t in self._terms[v]]
        return changed, snapshots, deltas

    def _split(
        self, deltas: Mapping[int, float], recompute: set[int]
    ) -> tuple[list[int], list[int], float]:
        """Choose which changed vectors to follow exactly and which to cover by a bound.

        Following a vector to every list that reaches it costs about as much as recomputing
        a list; a vector that barely moved can instead raise every list's runner-up bound
        by its delta, which only recomputes the lists whose margin is smaller than that.
        Returns (followed, bounded, bound).
        """
        gaps: list[float] = []
        for i, runner in enumerate(self._runners):
            if runner is None or i in recompute:
                continue
            last = next((s for _, s, pinned in reversed(self._chosen[i]) if not pinned), None)
            if last is not None:
                gaps.append(last - runner[0])
        gaps.sort()
        ranked = sorted(deltas, key=lambda v: (-deltas[v], v))
        best, cut = math.inf, 0
        for m in range(len(ranked) + 1):
            bound = deltas[ranked[m]] + 2e-9 if m < len(ranked) else 0.0
            cost = m * self.follow_cost + bisect_left(gaps, bound + 1e-12) * self.list_cost
            if cost < best:
                best, cut = cost, m
        bounded = ranked[cut:]
        return ranked[:cut], bounded, (deltas[bounded[0]] + 2e-9 if bounded else 0.0)

    def _raise_runners(
        self,
        bounded: list[int],
        bound: float,
        recompute: set[int],
        pairs: defaultdict[int, set[int]],
    ) -> None:
        """Cover the bounded vectors: rescore the lists showing them exactly, and raise every
        other list's runner-up by the bound (recomputing the lists it could overtake)."""
        for v in bounded:
            for i in self._shown_by[v]:
                if i not in recompute:
                    pairs[i].add(v)
        for i, runner in enumerate(self._runners):
            if runner is None or i in recompute:
                continue
            raised = runner[0] + bound
            self._runners[i] = raised, runner[1]
            if i in pairs:
                continue  # _refresh checks the list against the raised bound
            last = next((s for _, s, pinned in reversed(self._chosen[i]) if not pinned), None)
            if last is not None and not last > raised:
                recompute.add(i)

    def _followers_of(
        self, sources: list[int], recompute: set[int], pairs: defaultdict[int, set[int]]
    ) -> None:
        """Find the lists whose score with a changed article moved enough to matter.

        The articles that follow a source's postings up to it get its score changed; the pair
        needs an exact check unless the source is not on the list and even the largest bonus
        leaves it behind the best candidate already left off.
        """
        p, postings = self.params, self._postings
        wide = p.wide_terms
        runners, shown_by = self._runners, self._shown_by
        slack = 1e-6  # far above the rounding error of summing in another order
        most = max(p.category_weight, 0.0) + max(p.recency_weight, 0.0) + slack
        for e in sources:
            sums: dict[int, float] = {}
            get = sums.get
            for t, we in zip(self._terms[e], self._weights[e], strict=True):
                ids, ws, ks = postings[t]
                at = bisect_left(ids, e)
                for first, last, cls in _followers(len(ids), at, p):
                    span = zip(ids[first:last], ws[first:last], ks[first:last], strict=True)
                    if cls is None:
                        hits = [(i, w) for i, w, _ in span if i not in recompute]
                    elif cls:
                        hits = [(i, w) for i, w, k in span if k < wide and i not in recompute]
                    else:
                        hits = [(i, w) for i, w, k in span if k >= wide and i not in recompute]
                    for i, w in hits:
                        sums[i] = get(i, 0.0) + w * we
            sums.pop(e, None)
            shown = shown_by[e]
            for i, approx in sums.items():
                runner = runners[i]
                if (
                    i in shown
                    or runner is None
                    or (
                        approx + most >= runner[0]
                        and approx + _bonus(self, i, e, p) + slack >= runner[0]
                    )
                ):
                    pairs[i].add(e)

    def _shifted_windows(
        self,
        snapshots: Mapping[str, list[int]],
        recompute: set[int],
        pairs: defaultdict[int, set[int]],
    ) -> None:
        """Add the articles that entered or left the window another article follows."""
        p, postings = self.params, self._postings
        reach = max(p.short, p.wide_window, p.window) + 2
        for t, before in snapshots.items():
            ids, _, ks = postings.get(t, ([], [], []))
            n = len(ids)
            if min(n, len(before)) <= reach:
                near: Iterator[int] | range = range(n)
            else:
                moved = set(before).symmetric_difference(ids)
                spots: set[int] = set()
                for x in moved:
                    at = bisect_left(ids, x)
                    spots.update(range(max(0, at - reach), min(n, at + reach + 1)))
                near = iter(sorted(spots))
            for q in near:
                i = ids[q]
                if i in recompute:
                    continue
                lo, hi = _window(before, i, ks[q], p)
                was = set(before[lo:hi])
                lo, hi = _window(ids, i, ks[q], p)
                now = set(ids[lo:hi])
                pairs[i].update(j for j in was.symmetric_difference(now) if j != i)

    def _score(self, i: int, j: int) -> float | None:
        """Return i's text score with j exactly as _accumulate sums it (None: j not reached)."""
        p = self.params
        wide, short, wide_window, narrow = p.wide_terms, p.short, p.wide_window, p.window
        acc: float | None = None
        for k, ((ids, ws, _), w) in enumerate(zip(self._refs[i], self._weights[i], strict=True)):
            n = len(ids)
            lo, hi = 0, n
            if n > short:
                window = wide_window if k < wide else narrow
                if window <= 0:
                    continue
                if n > window:
                    lo = bisect_left(ids, i) - window // 2
                    lo = 0 if lo < 0 else (n - window if lo > n - window else lo)
                    hi = lo + window
            q = bisect_left(ids, j, lo, hi)
            if q < hi and ids[q] == j:
                acc = (0.0 if acc is None else acc) + w * ws[q]
        return acc

    def _refresh(
        self, i: int, touched: Mapping[int, float | None]
    ) -> tuple[_Chosen, _Runner] | None:
        """Redo i's list from exact new scores with `touched` (None: not reached any more).

        Valid when the other candidates cannot have overtaken: they kept their scores, which
        rank no higher than the remembered runner-up. None when that cannot be shown.
        """
        p, ts, urls, doc = self.params, self._ts, self._urls, self._docs[i]

        def key(score: float, j: int) -> tuple[float, float, str]:
            return -score, -ts[j], urls[j]

        def scored(j: int, acc: float) -> float:
            return round(acc + _bonus(self, i, j, p), 9)

        pins: list[tuple[int, float]] = []
        autos: list[tuple[int, float]] = []
        for j, s, pinned in self._chosen[i]:
            if j in touched:
                acc = touched[j]
                if acc is None and not pinned:
                    continue
                s = 0.0 if acc is None else scored(j, acc)
            (pins if pinned else autos).append((j, s))
        shown = {j for j, _, _ in self._chosen[i]}
        for j, acc in touched.items():
            if acc is not None and j not in shown and j != i and urls[j] not in doc.exclude:
                autos.append((j, scored(j, acc)))
        autos.sort(key=lambda js: key(js[1], js[0]))
        room = max(0, self.count - len(pins))
        head, rest = autos[:room], autos[room:]
        runner = self._runners[i]
        if runner is not None:
            bound = key(*runner)
            if len(head) < room or (head and not key(head[-1][1], head[-1][0]) < bound):
                return None
        if rest and (runner is None or key(rest[0][1], rest[0][0]) < key(*runner)):
            runner = rest[0][1], rest[0][0]
        chosen = [(j, s, True) for j, s in pins] + [(j, s, False) for j, s in head]
        return tuple(chosen), runner

    # --- persistence --------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Pickle compactly: arrays for terms, postings and lists, derived tables left out."""
        flat_j, flat_s, flat_pin, sizes = array("i"), array("d"), bytearray(), array("i")
        for chosen in self._chosen:
            sizes.append(len(chosen))
            for j, s, pinned in chosen:
                flat_j.append(j)
                flat_s.append(s)
                flat_pin.append(pinned)
        pack = _TermPack.of(self._docs, self._pack, len(self._df) + len(self._tf))
        docs = self._docs
        return {
            "version": 2,
            "count": self.count,
            "params": self.params,
            "docs": (
                [d.url for d in docs],
                [d.tags for d in docs],
                [d.category for d in docs],
                [d.date for d in docs],
                [d.pins for d in docs],
                [d.exclude for d in docs],
                [d.enabled for d in docs],
                [d.digest for d in docs],
            ),
            "pack": (pack.vocab, pack.ids, pack.tfs, pack.ends),
            "df": dict(self._df),
            "tf": dict(self._tf),
            "terms": pack.encode(self._terms, self._pack, self._loaded_terms),
            "weights": self._weights,
            "floors": (array("d", [w for w, _ in self._floors]), [t for _, t in self._floors]),
            "postings": _packed_postings(self._postings),
            "chosen": (sizes, flat_j, flat_s, bytes(flat_pin)),
            "runners": (
                array("d", [r[0] if r else 0.0 for r in self._runners]),
                array("i", [r[1] if r else -1 for r in self._runners]),
            ),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the derived tables (idf, references, links) from the pickled state."""
        if state.get("version") != 2:
            raise ValueError("a related index pickled by another version of newsgen")
        self.__init__(state["count"], state["params"])  # type: ignore[misc]
        pack = self._pack = _TermPack(*state["pack"])
        self._set_docs(
            [
                _doc(url, _PackedTerms(pack, k), tags, cat, date, pins, exclude, on, digest)
                for k, (url, tags, cat, date, pins, exclude, on, digest) in enumerate(
                    zip(*state["docs"], strict=True)
                )
            ]
        )
        self._df, self._tf = Counter(state["df"]), Counter(state["tf"])
        self._idf, self._tag_idf = _idfs(self._df, self._tf, len(self._docs), self.params)
        self._loaded_terms = state["terms"], pack.decode(*state["terms"])
        self._terms, self._weights = list(self._loaded_terms[1]), state["weights"]
        self._floors = list(zip(*state["floors"], strict=True))
        self._postings = _LoadedPostings(state["postings"])
        self._refs = _LoadedRefs(self._postings, self._terms)
        sizes, flat_j, flat_s, flat_pin = state["chosen"]
        flat = list(zip(flat_j.tolist(), flat_s.tolist(), map(bool, flat_pin), strict=True))
        self._chosen, at = [], 0
        for size in sizes:
            self._chosen.append(tuple(flat[at : at + size]))
            at += size
        self._runners = [(s, j) if j >= 0 else None for s, j in zip(*state["runners"], strict=True)]
        self._index_shown()
        self._result = {
            self._urls[i]: self._links(i, self._chosen[i])
            for i in sorted(range(len(self._docs)), key=self._urls.__getitem__)
        }


def _packed_postings(postings: dict[str, _Posting]) -> dict[str, tuple[array[int], ...]]:
    """Return the postings as arrays; those a loaded index never touched are copied as loaded."""
    packed = postings.packed() if isinstance(postings, _LoadedPostings) else {}
    out: dict[str, Any] = {}
    for t, (ids, ws, ks) in postings.items():
        out[t] = (array("i", ids), array("d", ws), array("i", ks))
    out.update(packed)
    return out


class _LoadedPostings(dict[str, _Posting]):
    """The postings of a loaded index, turned from arrays into lists when first touched.

    An update reaches the postings of a few hundred terms out of tens of thousands: turning
    them all into lists cost 0.03 s of a 10,000-article rebuild, and the per-article
    references to them (_LoadedRefs) 0.04 s more. Iterating gives the touched ones only;
    `packed()` the others.
    """

    def __init__(self, packed: dict[str, tuple[array[Any], array[Any], array[Any]]]) -> None:
        super().__init__()
        self._packed = packed

    def _take(self, term: str) -> _Posting | None:
        """Turn a packed posting into lists, kept from now on; None if there is none."""
        arrays = self._packed.pop(term, None)
        if arrays is None:
            return None
        ids, ws, ks = arrays
        post: _Posting = (ids.tolist(), ws.tolist(), ks.tolist())
        dict.__setitem__(self, term, post)
        return post

    def __missing__(self, term: str) -> _Posting:
        post = self._take(term)
        if post is None:
            raise KeyError(term)
        return post

    def get(self, term: str, default: Any = None) -> Any:
        if dict.__contains__(self, term):
            return dict.__getitem__(self, term)
        post = self._take(term)
        return default if post is None else post

    def __contains__(self, term: object) -> bool:
        return dict.__contains__(self, term) or term in self._packed

    def __setitem__(self, term: str, post: _Posting) -> None:
        self._packed.pop(term, None)
        dict.__setitem__(self, term, post)

    def __delitem__(self, term: str) -> None:
        if dict.__contains__(self, term):
            dict.__delitem__(self, term)
        else:
            del self._packed[term]

    def packed(self) -> Mapping[str, tuple[array[Any], array[Any], array[Any]]]:
        """Return the postings still as loaded (never touched), to read."""
        return self._packed


class _LoadedRefs:
    """Each article's references to its terms' postings, made when first asked for."""

    __slots__ = ("_postings", "_terms", "_rows")

    def __init__(self, postings: dict[str, _Posting], terms: list[tuple[str, ...]]) -> None:
        self._postings, self._terms = postings, terms
        self._rows: dict[int, list[_Posting]] = {}

    def __getitem__(self, i: int) -> list[_Posting]:
        row = self._rows.get(i)
        if row is None:
            postings = self._postings
            row = self._rows[i] = [postings[t] for t in self._terms[i]]
        return row

    def __setitem__(self, i: int, row: list[_Posting]) -> None:
        self._rows[i] = row


class _TermPack:
    """Every article's term counts in three flat arrays over one vocabulary.

    A pickled dict per article costs 0.8 s to write and 0.6 s to read at 10,000 articles;
    these arrays cost a few hundredths, and a loaded index turns back into dicts only the
    articles an edit reaches (_PackedTerms).
    """

    __slots__ = ("vocab", "ids", "tfs", "ends", "_code")

    def __init__(self, vocab: list[str], ids: array[int], tfs: array[float], ends: array[int]):
        self.vocab, self.ids, self.tfs, self.ends = vocab, ids, tfs, ends
        self._code: dict[str, int] | None = None

    @classmethod
    def of(cls, docs: Sequence[RelatedDoc], last: _TermPack | None, live: int) -> _TermPack:
        """Pack the docs' terms, copying the slices of articles still packed in `last`.

        The vocabulary of `last` is kept (so its slices stay valid) unless stale terms would
        make it more than twice the live one.
        """
        if last is not None and len(last.vocab) > 2 * live + 1024:
            last = None
        pack = cls(list(last.vocab) if last else [], array("i"), array("d"), array("q"))
        if last is not None:
            pack._code = dict(last.code())
        code = pack.code()
        vocab, ids, tfs, ends = pack.vocab, pack.ids, pack.tfs, pack.ends
        for doc in docs:
            terms = doc.terms
            if last is not None and isinstance(terms, _PackedTerms) and terms.pack is last:
                start, end = last.bounds(terms.at)
                ids.extend(last.ids[start:end])
                tfs.extend(last.tfs[start:end])
            else:
                for term, tf in terms.items():
                    k = code.get(term)
                    if k is None:
                        k = code[term] = len(vocab)
                        vocab.append(term)
                    ids.append(k)
                    tfs.append(tf)
            ends.append(len(ids))
        return pack

    def code(self) -> dict[str, int]:
        """Map each vocabulary term to its number (built once, on demand)."""
        if self._code is None:
            self._code = {t: k for k, t in enumerate(self.vocab)}
        return self._code

    def bounds(self, at: int) -> tuple[int, int]:
        """Return where article `at`'s terms sit in the flat arrays."""
        return (self.ends[at - 1] if at else 0), self.ends[at]

    def encode(
        self,
        rows: Sequence[Sequence[str]],
        last: _TermPack | None = None,
        loaded: tuple[tuple[array[int], array[int]], list[tuple[str, ...]]] | None = None,
    ) -> tuple[array[int], array[int]]:
        """Number rows of terms against the vocabulary (adding what it lacks), flat with ends.

        A row still the very tuple `last` decoded at that position is copied as numbered then,
        when this pack's vocabulary extends `last`'s.
        """
        code, vocab = self.code(), self.vocab
        flat, ends = array("i"), array("q")
        old_flat, old_ends, old_rows = array("i"), array("q"), list[tuple[str, ...]]()
        if loaded is not None and last is not None and self.extends(last):
            (old_flat, old_ends), old_rows = loaded
        for at, row in enumerate(rows):
            if at < len(old_rows) and row is old_rows[at]:
                flat.extend(old_flat[old_ends[at - 1] if at else 0 : old_ends[at]])
            else:
                for term in row:
                    k = code.get(term)
                    if k is None:
                        k = code[term] = len(vocab)
                        vocab.append(term)
                    flat.append(k)
            ends.append(len(flat))
        return flat, ends

    def extends(self, last: _TermPack) -> bool:
        """Tell whether this vocabulary starts with `last`'s (so its numbers still hold)."""
        n = len(last.vocab)
        return self.vocab is last.vocab or (len(self.vocab) >= n and self.vocab[:n] == last.vocab)

    def decode(self, flat: array[int], ends: array[int]) -> list[tuple[str, ...]]:
        """Turn encode()'s numbers back into rows of terms."""
        words = list(map(self.vocab.__getitem__, flat))  # in C, then cut into rows
        rows, start = [], 0
        for end in ends:
            rows.append(tuple(words[start:end]))
            start = end
        return rows


class _PackedTerms(Mapping[str, float]):
    """One article's term counts inside a _TermPack, made a dict the first time they are read."""

    __slots__ = ("pack", "at", "_dict")

    def __init__(self, pack: _TermPack, at: int) -> None:
        self.pack, self.at = pack, at
        self._dict: dict[str, float] | None = None

    def _full(self) -> dict[str, float]:
        if self._dict is None:
            pack = self.pack
            start, end = pack.bounds(self.at)
            terms = map(pack.vocab.__getitem__, pack.ids[start:end])
            self._dict = dict(zip(terms, pack.tfs[start:end], strict=True))
        return self._dict

    def __getitem__(self, term: str) -> float:
        return self._full()[term]

    def __iter__(self) -> Iterator[str]:
        return iter(self._full())

    def __len__(self) -> int:
        start, end = self.pack.bounds(self.at)
        return end - start

    def __contains__(self, term: object) -> bool:
        return term in self._full()

    def get(self, term: str, default: Any = None) -> Any:
        """Read one count without the Mapping mixin's exception round trip."""
        return self._full().get(term, default)

    def keys(self) -> Any:
        """The dict's own keys view: set operations at C speed."""
        return self._full().keys()

    def items(self) -> Any:
        """The dict's own items view."""
        return self._full().items()

    def __eq__(self, other: object) -> bool:
        return self._full() == (other._full() if isinstance(other, _PackedTerms) else other)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle alone as a plain dict (the pack is pickled whole only by RelatedIndex)."""
        return dict, (self._full(),)

    def __repr__(self) -> str:
        return repr(self._full())


def build_related(
    docs: Sequence[RelatedDoc],
    count: int = 5,
    explain: bool = False,
    params: Params = DEFAULT_PARAMS,
    jobs: int = 1,
) -> dict[str, tuple[RelatedLink, ...]]:
    """Compute every article's "Xem thêm" list once per build, deterministically."""
    return RelatedIndex(count, params)._build(docs, explain, jobs)


_PARALLEL_RANKING = 2000  # articles below which forking costs more than ranking takes
_RANKING: list[RelatedIndex] = []  # the index a forked ranking worker reads (inherited)


def _choose_all(index: RelatedIndex, n: int, jobs: int) -> list[tuple[_Chosen, _Runner]]:
    """Rank every article's list, over `jobs` forked processes when the site is large.

    Each list depends only on the finished postings, so workers rank slices of the articles
    and the lists are gathered in article order: the same result as ranking in one process.
    """
    serial = jobs <= 1 or n < _PARALLEL_RANKING
    if serial or "fork" not in multiprocessing.get_all_start_methods():
        return [index._choose(i) for i in range(n)]
    size = -(-n // (jobs * 4))  # a few slices per worker evens out their speeds
    slices = [(start, min(start + size, n)) for start in range(0, n, size)]
    _RANKING[:] = [index]
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_choose_slice, slices, chunksize=1)
    finally:
        _RANKING.clear()
    return [pick for part in parts for pick in part]


def _choose_slice(bounds: tuple[int, int]) -> list[tuple[_Chosen, _Runner]]:
    """Rank the lists of articles [start, end) inside a forked worker."""
    index = _RANKING[0]
    return [index._choose(i) for i in range(*bounds)]


def _dupes(docs: Sequence[RelatedDoc]) -> set[str]:
    """Find urls that occur more than once (the index is keyed by url)."""
    return {u for u, c in Counter(d.url for d in docs).items() if c > 1}


def to_json_mapping(result: Mapping[str, Sequence[RelatedLink]]) -> dict[str, list[str]]:
    """Flatten the lists for xem-them.json: url -> related urls in rank order, keys sorted."""
    return {url: [link.url for link in result[url]] for url in sorted(result)}
