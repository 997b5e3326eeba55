"""RelatedIndex.update after edits must give exactly what a fresh build_related gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import pickle
import random
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgen import related
from newsgen.bench.corpus import article
from newsgen.related import (
    DEFAULT_PARAMS,
    Params,
    RelatedDoc,
    RelatedIndex,
    _followers,
    _window,
    build_related,
)
from newsgen.terms import extract_terms

ROOT = Path(__file__).resolve().parents[2]
TIGHT = Params(short=2, wide_window=4, window=2, wide_terms=3, terms_per_doc=10)
NARROW = Params(short=3, wide_window=6, wide_terms=5, terms_per_doc=15, max_df_ratio=0.1)
COMMON = [
    "các",
    "địa",
    "phương",
    "đẩy",
    "mạnh",
    "triển",
    "khai",
    "trong",
    "thời",
    "gian",
    "tới",
    "người",
    "dân",
    "doanh",
    "nghiệp",
    "quảng",
    "ninh",
    "hạ",
    "long",
    "giá",
    "vàng",
    "tăng",
    "mạnh",
    "chính",
    "quyền",
    "số",
    "dữ",
    "liệu",
]


@cache
def corpus(n: int, seed: int = 7) -> tuple[RelatedDoc, ...]:
    """Synthetic articles of recurring stories (the benchmark generator), terms extracted."""
    docs = []
    for i in range(n):
        a = article(i, seed)
        terms = extract_terms(a["title"], a["summary"], a["body"])
        date = dt.datetime.fromisoformat(a["date"])
        docs.append(RelatedDoc(f"/a{i}/", terms, tuple(a["tags"]), a["category"], date))
    return tuple(docs)


def edit(rng: random.Random, docs: list[RelatedDoc]) -> str:
    """Apply one random editor action to docs in place; return its name."""
    i = rng.randrange(len(docs))
    d, other = docs[i], docs[rng.randrange(len(docs))]
    kind = rng.choice(
        [
            "sentence",
            "rare",
            "common",
            "drop",
            "reweight",
            "tags",
            "category",
            "pins",
            "exclude",
            "enabled",
            "several",
            "added",
            "removed",
            "redated",
        ]
    )
    terms = dict(d.terms)
    if kind == "sentence":  # new bigrams of common words
        for _ in range(rng.randint(1, 8)):
            terms[f"{rng.choice(COMMON)} {rng.choice(COMMON)}"] = rng.choice([0.5, 1.0, 2.0])
    elif kind == "rare":  # a term nobody else has, or one other article has
        terms[f"hiem{rng.randrange(4)}"] = rng.choice([1.0, 3.0, 9.0])
    elif kind == "common":  # terms of another article, so shared and often frequent
        for t in rng.sample(sorted(other.terms), min(10, len(other.terms))):
            terms[t] = other.terms[t] * rng.choice([0.5, 1.0, 3.0])
    elif kind == "drop":
        for t in rng.sample(sorted(terms), min(len(terms), rng.randint(1, 20))):
            del terms[t]
    elif kind == "reweight":
        for t in rng.sample(sorted(terms), min(len(terms), 5)):
            terms[t] *= rng.choice([0.1, 2.0, 10.0])
    elif kind == "tags":
        tags = list(d.tags)
        if tags and rng.random() < 0.5:
            tags.pop(rng.randrange(len(tags)))
        else:
            tags.append(rng.choice(other.tags or ("moi",)))
        docs[i] = dataclasses.replace(d, tags=tuple(tags))
    elif kind == "category":
        docs[i] = dataclasses.replace(d, category=rng.choice([other.category, "khác"]))
    elif kind in ("pins", "exclude"):
        urls = tuple(rng.choice(docs).url for _ in range(rng.randint(0, 3)))
        docs[i] = dataclasses.replace(d, **{kind: urls})
    elif kind == "enabled":
        docs[i] = dataclasses.replace(d, enabled=not d.enabled)
    elif kind == "several":
        for _ in range(rng.randint(2, 3)):
            edit(rng, docs)
    elif kind == "added":
        docs.append(dataclasses.replace(other, url=f"/moi-{rng.randrange(10**6)}/"))
    elif kind == "removed":
        docs.pop(i)
    elif kind == "redated":
        docs[i] = dataclasses.replace(d, date=d.date + dt.timedelta(days=rng.choice([-40, 1])))
    if kind in ("sentence", "rare", "common", "drop", "reweight"):
        docs[i] = dataclasses.replace(d, terms=terms)
    return kind


@pytest.mark.parametrize(
    ("params", "follow_cost"),
    [(DEFAULT_PARAMS, 1.2), (TIGHT, 1.2), (NARROW, 1.2), (DEFAULT_PARAMS, 1e9), (TIGHT, 0.0)],
    ids=["default", "tight", "narrow", "default-bounded", "tight-followed"],
)
def test_random_edit_sequences_match_a_fresh_build(params: Params, follow_cost: float) -> None:
    docs = list(corpus(250))
    index = RelatedIndex(5, params)
    index.follow_cost = follow_cost  # 1e9: cover every changed vector by the runner-up bound
    assert index.update(docs) == build_related(docs, 5, False, params)
    incremental = bounded = 0
    for seed in range(2):
        rng = random.Random(seed)
        for _ in range(25):
            kind = edit(rng, docs)
            shuffled = docs[:]
            rng.shuffle(shuffled)
            got = index.update(shuffled)
            want = build_related(docs, 5, False, params)
            assert got == want, kind
            assert list(got) == list(want)  # same key order: the pages are written from it
            incremental += not index.stats["full"]
            bounded += index.stats.get("bounded", 0)
    assert incremental >= 25  # the updates were mostly incremental, not rebuilds
    assert bounded > 0 if follow_cost > 1e6 else True
    assert bounded == 0 if follow_cost == 0.0 else True


def test_structural_changes_rebuild_and_edits_do_not() -> None:
    docs = list(corpus(120))
    index = RelatedIndex(4)
    index.update(docs)
    assert index.stats["full"] == 1
    docs[5] = dataclasses.replace(docs[5], terms={**docs[5].terms, "hiem": 2.0})
    assert index.update(docs) == build_related(docs, 4) and index.stats["full"] == 0
    for change in (
        docs[:-1],
        [*docs, dataclasses.replace(docs[0], url="/khac/")],
        [dataclasses.replace(docs[0], date=docs[0].date + dt.timedelta(hours=1)), *docs[1:]],
    ):
        assert index.update(change) == build_related(change, 4)
        assert index.stats["full"] == 1
        index.update(docs)


def test_equal_copies_count_as_unchanged() -> None:
    docs = list(corpus(80))
    index = RelatedIndex(3)
    first = index.update(docs)
    copies = [dataclasses.replace(d, terms=dict(d.terms)) for d in docs]
    assert index.update(copies) == first
    assert index.stats == {"full": 0, "recomputed": 0, "vectors": 0, "changed": 0}


def test_duplicate_urls_still_rejected() -> None:
    docs = list(corpus(30))
    index = RelatedIndex(3)
    index.update(docs)
    with pytest.raises(ValueError, match="/a1/"):
        index.update([*docs[:-1], docs[1]])


def test_pickled_index_updates_like_the_original() -> None:
    docs = list(corpus(150))
    index = RelatedIndex(5, NARROW)
    index.update(docs)
    blob = pickle.dumps(index)
    loaded = pickle.loads(blob)
    assert loaded.update(docs) == index.update(docs)
    rng = random.Random(3)
    for _ in range(6):
        edit(rng, docs)
        assert loaded.update(docs) == build_related(docs, 5, False, NARROW)
    # compact: weights and postings as arrays, no per-float objects
    state = index.__getstate__()
    assert all(type(a).__name__ == "array" for post in state["postings"].values() for a in post)
    assert len(blob) < 2 * len(pickle.dumps(docs))


def test_each_build_loads_the_last_ones_index_and_saves_its_own() -> None:
    # what one-shot builds do: load the pickle, reuse its articles where unchanged, edit,
    # update, pickle again; the lists must match a fresh build at every step
    docs = list(corpus(150))
    blob = pickle.dumps(RelatedIndex(5, NARROW))
    rng = random.Random(11)
    for step in range(8):
        loaded = pickle.loads(blob)
        docs = [loaded.doc(d.url) or d for d in docs] if step else docs
        kind = edit(rng, docs)
        assert loaded.update(docs) == build_related(docs, 5, False, NARROW), kind
        blob = pickle.dumps(loaded)
        # unchanged articles come back as the same counts, read only when asked for
        again = pickle.loads(blob)
        assert {d.url: dict(d.terms) for d in again._docs} == {d.url: d.terms for d in docs}


def test_a_loaded_index_unpacks_only_the_postings_an_edit_reaches() -> None:
    """A rebuild loads every posting but an edit reaches a few: the rest stay packed as loaded,
    and the state saved afterwards is the one a fresh index of the same articles saves."""
    docs = list(corpus(150))
    index = RelatedIndex(5, NARROW)
    index.update(docs)
    loaded = pickle.loads(pickle.dumps(index))
    docs = [loaded.doc(d.url) or d for d in docs]
    docs[40] = dataclasses.replace(docs[40], terms={**docs[40].terms, "bão": 3.0, "lũ": 2.0})
    assert loaded.update(docs) == build_related(docs, 5, False, NARROW)
    unpacked = len(dict.keys(loaded._postings))
    assert 0 < unpacked < len(loaded._postings.packed()) / 2

    def lists(state: dict[str, object]) -> dict[str, tuple[list[object], ...]]:
        return {t: tuple(a.tolist() for a in post) for t, post in state["postings"].items()}  # type: ignore[attr-defined]

    fresh = RelatedIndex(5, NARROW)
    fresh.update(docs)
    assert lists(loaded.__getstate__()) == lists(fresh.__getstate__())


def test_saving_again_copies_the_loaded_terms_and_drops_stale_vocabulary() -> None:
    docs = list(corpus(60))
    index = RelatedIndex(3)
    index.update(docs)
    loaded = pickle.loads(pickle.dumps(index))
    vocab = loaded._pack.vocab
    assert not any(d.terms._dict for d in loaded._docs)  # nothing turned into dicts yet
    state = loaded.__getstate__()
    assert state["pack"][0] == vocab  # untouched articles copied as they were
    assert state["terms"] == index.__getstate__()["terms"]
    assert not any(d.terms._dict for d in loaded._docs)
    # a vocabulary that is mostly stale terms is rebuilt from the live ones
    loaded._pack.vocab = vocab + [f"stale{k}" for k in range(3 * len(vocab) + 2048)]
    assert pickle.loads(pickle.dumps(loaded))._pack.vocab == vocab
    assert pickle.loads(pickle.dumps(loaded)).update(docs) == build_related(docs, 3)


def test_followers_is_the_reverse_of_window() -> None:
    for params in (DEFAULT_PARAMS, TIGHT, NARROW, Params(window=3, wide_window=5, short=1)):
        for n in range(0, 45):
            ids = list(range(0, 3 * n, 3))
            for at in range(n):
                followers = {
                    (q, wide)
                    for first, last, cls in _followers(n, at, params)
                    for q in range(first, last)
                    for wide in ((True, False) if cls is None else (cls,))
                }
                for q in range(n):
                    for wide in (True, False):
                        k = 0 if wide else params.wide_terms
                        lo, hi = _window(ids, ids[q], k, params)
                        assert ((q, wide) in followers) == (lo <= at < hi), (n, at, q, wide)


WORDS = [f"tu{i}" for i in range(30)]
op = st.tuples(
    st.sampled_from(["add", "remove", "weight", "tag", "category", "pin", "exclude", "enabled"]),
    st.integers(0, 39),
    st.integers(0, 39),
    st.sampled_from(WORDS),
)


def small_corpus() -> list[RelatedDoc]:
    """Forty articles over thirty words: every term is shared, windows overlap a lot."""
    rng = random.Random(1)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return [
        RelatedDoc(
            f"/b{i}/",
            {t: float(rng.randint(1, 4)) for t in rng.sample(WORDS, rng.randint(3, 12))},
            tuple(rng.sample(["x", "y", "z", "w"], rng.randint(0, 2))),
            rng.choice(["c1", "c2"]),
            start + dt.timedelta(days=rng.randrange(90)),
        )
        for i in range(40)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(op, min_size=1, max_size=2), min_size=1, max_size=6),
    st.sampled_from([1.2, 1e9]),
)
def test_any_edits_match_a_fresh_build(
    steps: list[list[tuple[str, int, int, str]]], follow_cost: float
) -> None:
    docs = small_corpus()
    index = RelatedIndex(3, TIGHT)
    index.max_changed_ratio = 1.0  # exercise the incremental path even for many edits
    index.follow_cost = follow_cost  # 1e9: every changed vector covered by the bound
    index.update(docs)
    for step in steps:
        for kind, i, j, word in step:
            d = docs[i]
            terms = dict(d.terms)
            if kind == "add":
                terms[word] = float(j % 5 + 1)
            elif kind == "remove":
                terms.pop(word, None)
            elif kind == "weight" and terms:
                terms[sorted(terms)[j % len(terms)]] = float(j % 7 + 1)
            changes: dict[str, object] = {"terms": terms}
            if kind == "tag":
                changes["tags"] = (*d.tags, "xyzw"[j % 4]) if j % 2 else d.tags[1:]
            elif kind == "category":
                changes["category"] = f"c{j % 3}"
            elif kind == "pin":
                changes["pins"] = (docs[j].url,)
            elif kind == "exclude":
                changes["exclude"] = (docs[j].url,)
            elif kind == "enabled":
                changes["enabled"] = not d.enabled
            docs[i] = dataclasses.replace(d, **changes)  # type: ignore[arg-type]
        assert index.update(docs) == build_related(docs, 3, False, TIGHT)


def test_same_updates_whatever_the_hash_seed() -> None:
    code = (
        "import json, random, sys; sys.path.insert(0, 'tests/unit');"
        "from test_related_incremental import corpus, edit;"
        "from newsgen.related import RelatedIndex;"
        "docs = list(corpus(120)); index = RelatedIndex(5); out = [];"
        "rng = random.Random(5)\n"
        "for _ in range(8):\n"
        "    edit(rng, docs); r = index.update(docs)\n"
        "    out.append({u: [(link.url, link.score) for link in v] for u, v in r.items()})\n"
        "print(json.dumps(out))"
    )
    outputs = set()
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        outputs.add(run.stdout)
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) == 8


def test_a_list_overtaken_by_a_barely_changed_article_is_recomputed() -> None:
    # q shares "a" with x and "b" with y; an edit elsewhere makes "w" commoner, so y's
    # vector leans more on "b" and y overtakes x on q's list although q itself is untouched
    params = Params(short=100, tag_weight=0.0, category_weight=0.0, recency_weight=0.0)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def docs_for(tb: float, edited: bool) -> list[RelatedDoc]:
        terms = {
            "q": {"a": 1.0, "b": 1.0},
            "x": {"a": 1.0, "z": 1.0},
            "y": {"b": tb, "w": 1.0},
            "f1": {"w": 1.0, "z": 1.0},
            "f2": {"w": 1.0} if edited else {"u": 1.0},
        }
        return [
            RelatedDoc(f"/{name}/", t, (), "c", start + dt.timedelta(days=k))
            for k, (name, t) in enumerate(terms.items())
        ]

    def top(docs: list[RelatedDoc]) -> str:
        return build_related(docs, 1, False, params)["/q/"][0].url

    flips = [
        tb / 100
        for tb in range(50, 300)
        if top(docs_for(tb / 100, False)) == "/x/" and top(docs_for(tb / 100, True)) == "/y/"
    ]
    assert flips
    for follow_cost in (1e9, 1.2):
        index = RelatedIndex(1, params)
        index.follow_cost = follow_cost
        index.max_changed_ratio = index.max_vector_ratio = 1.0  # tiny site: stay incremental
        index.update(docs_for(flips[0], False))
        assert index.update(docs_for(flips[0], True)) == build_related(
            docs_for(flips[0], True), 1, False, params
        )
        assert index.stats["full"] == 0
        assert index.stats["bounded"] > 0 if follow_cost > 1e6 else index.stats["followed"] > 0


def test_ranking_in_forked_workers_gives_the_same_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = list(corpus(300, seed=11))
    docs[5] = dataclasses.replace(docs[5], pins=(docs[40].url,), exclude=(docs[6].url,))
    alone = build_related(docs, 4)
    monkeypatch.setattr(related, "_PARALLEL_RANKING", 50)
    assert build_related(docs, 4, jobs=2) == alone
    index = RelatedIndex(4)
    assert index.update(docs, jobs=3) == alone
    docs[7] = dataclasses.replace(docs[7], terms={"gia vang": 9.0})
    assert index.update(docs, jobs=2) == build_related(docs, 4)  # then updated in one process
