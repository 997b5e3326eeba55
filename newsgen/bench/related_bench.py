"""Benchmark and evaluate the "Xem thêm" index: prints figures, asserts nothing.

    python -m newsgen.bench.related_bench [--n 10000] [--n 100000]   # time and memory per N
    python -m newsgen.bench.related_bench --eval                     # precision@4 on the eval set
    python -m newsgen.bench.related_bench --tune                     # the weight grid behind Params

Each N runs in a fresh interpreter so that peak memory (ru_maxrss) is that N's own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import multiprocessing
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from newsgen.bench.corpus import article
from newsgen.related import Params, RelatedDoc, build_related
from newsgen.terms import extract_terms

EVAL_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "related_eval" / "articles.json"
Ranking = Mapping[str, Sequence[str]]


def load_eval(path: Path = EVAL_SET) -> tuple[list[RelatedDoc], dict[str, str]]:
    """Read the hand-written evaluation set: docs plus the story label of each url."""
    articles = json.loads(path.read_text(encoding="utf-8"))["articles"]
    docs = [
        RelatedDoc(
            url=a["url"],
            terms=extract_terms(a["title"], a["summary"], a["body"]),
            tags=tuple(a["tags"]),
            category=a["category"],
            date=dt.datetime.fromisoformat(a["date"]),
        )
        for a in articles
    ]
    return docs, {a["url"]: a["story"] for a in articles}


def precision_at(ranking: Ranking, labels: Mapping[str, object], k: int = 4) -> float:
    """Share of the top-k links that belong to the same story as the article."""
    hits = sum(labels[u] == labels[v] for u, links in ranking.items() for v in links[:k])
    shown = sum(min(k, len(links)) for links in ranking.values())
    return hits / shown if shown else 0.0


def _order(docs: Sequence[RelatedDoc], score: Mapping[str, float], k: int) -> list[str]:
    """Rank positive scores by score desc, date desc, url asc (the index's tie-break)."""
    by_url = {d.url: d for d in docs}
    keep = [u for u, s in score.items() if s > 0]
    keep.sort(key=lambda u: (-score[u], -by_url[u].date.timestamp(), u))
    return keep[:k]


def tags_only(docs: Sequence[RelatedDoc], k: int = 4) -> dict[str, list[str]]:
    """Baseline in the style of Pelican's plugin: IDF-weighted shared tags."""
    df = Counter(t for d in docs for t in set(d.tags))
    idf = {t: math.log((len(docs) + 1) / c) for t, c in df.items()}
    out = {}
    for d in docs:
        score = {
            e.url: sum(idf[t] for t in set(d.tags) & set(e.tags)) for e in docs if e.url != d.url
        }
        out[d.url] = _order(docs, score, k)
    return out


def category_only(docs: Sequence[RelatedDoc], k: int = 4) -> dict[str, list[str]]:
    """Baseline: same category, nearest in time first."""
    out = {}
    for d in docs:
        score = {
            e.url: 1.0 / (1.0 + abs((e.date - d.date).total_seconds()))
            for e in docs
            if e.url != d.url and e.category == d.category
        }
        out[d.url] = _order(docs, score, k)
    return out


def index_ranking(
    docs: Sequence[RelatedDoc], k: int = 4, params: Params | None = None
) -> dict[str, list[str]]:
    """Our index, as plain url lists."""
    result = build_related(docs, count=k, params=params or Params())
    return {u: [link.url for link in links] for u, links in result.items()}


def report_eval() -> None:
    """Print precision@4 of the two baselines and of the index on the evaluation set."""
    docs, labels = load_eval()
    print(f"evaluation set: {len(docs)} articles, {len(set(labels.values()))} stories")
    for name, ranking in (
        ("tags only", tags_only(docs)),
        ("category only", category_only(docs)),
        ("newsgen.related", index_ranking(docs)),
    ):
        print(f"  precision@4 {name:16} {precision_at(ranking, labels):.3f}")


def tune() -> None:
    """Print precision@4 over the metadata-weight grid, best first (the data behind Params)."""
    docs, labels = load_eval()
    rows = []
    grid = itertools.product(
        (0.0, 0.02, 0.05, 0.1, 0.3),
        (0.0, 0.02, 0.05, 0.1),
        (0.0, 0.02, 0.05, 0.1),
        (20, 30, 40, 60),
    )
    for tag_w, cat_w, rec_w, k in grid:
        p = Params(tag_weight=tag_w, category_weight=cat_w, recency_weight=rec_w, terms_per_doc=k)
        rows.append((precision_at(index_ranking(docs, params=p), labels), tag_w, cat_w, rec_w, k))
    print("p@4    tag   cat   recency terms_per_doc")
    for row in sorted(rows, key=lambda r: -r[0])[:25]:
        print("{:.3f}  {:<5} {:<5} {:<7} {}".format(*row))


def _prepare(
    job: tuple[int, int],
) -> tuple[str, dict[str, float], tuple[str, ...], str, str, int, float]:
    """Generate article i and extract its terms (in a worker: the build caches this per article)."""
    i, seed = job
    a = article(i, seed)
    t = time.process_time()
    terms = extract_terms(a["title"], a["summary"], a["body"])
    return (
        f"/{a['slug']}/",
        terms,
        tuple(a["tags"]),
        a["category"],
        a["date"],
        a["story"],
        time.process_time() - t,
    )


def _load(n: int, seed: int, jobs: int) -> tuple[list[RelatedDoc], dict[str, int], float]:
    """Build n docs in worker processes; intern keys and floats as a cache loader would."""
    docs: list[RelatedDoc] = []
    story: dict[str, int] = {}
    floats: dict[float, float] = {}
    extract_s = 0.0
    with multiprocessing.Pool(jobs) as pool:
        for url, terms, tags, cat, date, label, secs in pool.imap(
            _prepare, ((i, seed) for i in range(n)), 256
        ):
            shared = {sys.intern(k): floats.setdefault(v, v) for k, v in terms.items()}
            docs.append(
                RelatedDoc(
                    url, shared, tuple(map(sys.intern, tags)), cat, dt.datetime.fromisoformat(date)
                )
            )
            story[url] = label
            extract_s += secs
    return docs, story, extract_s


def run_one(n: int, seed: int, count: int, jobs: int) -> None:
    """Time build_related on n synthetic articles; print seconds and peak memory."""
    t = time.perf_counter()
    docs, story, extract_s = _load(n, seed, jobs)
    prep = time.perf_counter() - t
    rss_docs = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t, c = time.perf_counter(), time.process_time()
    result = build_related(docs, count=count)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ranking = {u: [link.url for link in links] for u, links in result.items()}
    print(
        f"n={n:>7}  build_related {wall:6.2f} s wall {cpu:6.2f} s cpu  peak {peak:6.0f} MB "
        f"(docs alone {rss_docs:.0f} MB)  |  extract_terms {extract_s:6.1f} s cpu = "
        f"{extract_s / n * 1e3:.2f} ms/article (cached per article in a build)  |  "
        f"corpus+extract {prep:.0f} s wall on {jobs} processes  |  story precision@4 "
        f"{precision_at(ranking, story):.3f}",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch: per-N benchmarks in fresh interpreters, or the evaluation reports."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--n", type=int, action="append", help="corpus size (repeatable; default 10000)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--eval", action="store_true", help="precision@4 on tests/data/related_eval")
    ap.add_argument("--tune", action="store_true", help="grid-search the weights on the eval set")
    ap.add_argument("--jobs", type=int, default=2, help="processes generating the corpus")
    ap.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.eval or args.tune:
        report_eval() if args.eval else tune()
        return 0
    sizes = args.n or [10_000]
    if args.single:
        run_one(sizes[0], args.seed, args.count, args.jobs)
        return 0
    p = Params()
    cuts = f"{p.wide_terms} terms x {p.wide_window} nearest, others {p.window}, short {p.short}"
    print(f"python {sys.version.split()[0]}, seed {args.seed}, count {args.count}, {cuts}", flush=True)
    for n in sizes:
        cmd = [sys.executable, "-m", "newsgen.bench.related_bench", "--single", "--n", str(n)]
        opts = ["--seed", str(args.seed), "--count", str(args.count), "--jobs", str(args.jobs)]
        subprocess.run([*cmd, *opts], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
