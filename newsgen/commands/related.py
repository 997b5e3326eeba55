"""`newsgen related PATH`: show why each "Xem thêm" link of one article was chosen."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import BuildFailed, Problem

NAME = "related"
HELP = "explain the 'Xem thêm' list of one article: scores and reasons"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `related`'s options."""
    parser.add_argument("path", type=Path, help="the article file, e.g. content/thoi-su/bao.md")
    parser.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")


def run(args: argparse.Namespace) -> int:
    """Parse the site, rebuild the index with explanations and print the article's list."""
    from .. import related, vietnamese
    from ..config import load_config
    from ..index import Options, build_index, related_docs
    from ..request import build_time
    from ..site import parse_all
    from ..sources import discover

    config = load_config(args.site)
    sources, problems = discover(config)
    articles, parse_problems = parse_all(sources, config, args.jobs or 1)
    problems += parse_problems
    index, index_problems = build_index(articles, config, Options(build_time(None)))
    errors = [p for p in problems + index_problems if not p.warning]
    if errors:
        raise BuildFailed(errors)
    wanted = vietnamese.normalize(_site_relative(args.path, config.site_dir))
    position = next((i for i, a in enumerate(index.articles) if a.rel == wanted), None)
    if position is None:
        raise BuildFailed([Problem(wanted, 0, "", "is not a published article of this site", "give the path of a .md file under content/")])
    docs = related_docs(index, config)
    links = related.build_related(docs, config.related_count, explain=True)[index.urls[position]]
    article = index.articles[position]
    print(f"{article.title}\n{index.urls[position]}\n")
    if not article.related_enabled:
        print("  'related: false': this article shows no Xem thêm block")
    for rank, link in enumerate(links, 1):
        title = index.articles[index.by_url[link.url]].title
        print(f"{rank}. {title}\n   {link.url}  score {link.score:.3f}")
        for reason in link.reasons:
            print(f"   - {reason}")
    return 0


def _site_relative(path: Path, site_dir: Path) -> str:
    """Accept the article path relative to the site, to the current folder, or absolute."""
    candidate = path if path.is_absolute() else Path.cwd() / path
    if candidate.resolve().is_relative_to(site_dir):
        return candidate.resolve().relative_to(site_dir).as_posix()
    return path.as_posix()
