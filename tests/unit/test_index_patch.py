"""The preview's patched site index equals an index built from scratch, whatever the edit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from newsgen.content import Article
from newsgen.index import Carry, Options, SiteIndex, build_index
from tests.unit.test_pages import NOW, config, make

TOPICS = ("gia vang", "bong da", "lai suat")


def site() -> list[Article]:
    """Twelve articles over three topics, one embargoed until an hour after NOW, one a draft."""
    articles = []
    for i in range(12):
        topic = TOPICS[i % 3]
        terms = ((topic, 3.0), (f"chi tiet {i}", 1.0))
        articles.append(
            make(f"bai-{i:02d}", f"2025-04-{i + 1:02d}T08:00", terms=terms, tags=(topic.title(),))
        )
    articles.append(make("hen-gio", "2025-05-01T13:00", terms=(("gia vang", 3.0),)))
    articles.append(make("nhap", "2025-04-20T08:00", draft=True, terms=(("bong da", 3.0),)))
    return articles


def shown(index: SiteIndex) -> tuple[Any, ...]:
    """What pages show of an index: articles, URLs, "Xem thêm" lists, taxonomies."""
    return (
        index.articles,
        index.urls,
        index.related,
        [(t.name, t.articles) for t in index.tags],
        index.months,
        index.next_change,
    )


def rebuild(
    tmp_path: Path, before: list[Article], after: list[Article], now: dt.datetime = NOW
) -> tuple[SiteIndex, SiteIndex]:
    """Index `after` in a process that indexed `before` (the preview), and from scratch."""
    site_config = config(tmp_path, related_count=3)
    carry = Carry()
    build_index(before, site_config, Options(NOW), carry)
    patched, problems = build_index(after, site_config, Options(now), carry)
    assert problems == []
    fresh, _ = build_index(after, site_config, Options(now))
    return patched, fresh


def test_a_body_edit_changes_the_article_and_its_related_lists(tmp_path: Path) -> None:
    before = site()
    after = list(before)
    # bai-04 was about football; its new body is about gold
    after[4] = dataclasses.replace(before[4], terms=(("gia vang", 3.0),), body_html="<p>Mới.</p>")
    patched, fresh = rebuild(tmp_path, before, after)
    assert shown(patched) == shown(fresh)
    assert after[4] in patched.articles and before[4] not in patched.articles
    url = {a.rel: u for a, u in zip(patched.articles, patched.urls, strict=True)}
    gold = {url[a.rel] for a in after if ("gia vang", 3.0) in a.terms and a.rel in url}
    links = [link.url for link in patched.related[url[after[4].rel]]]
    assert links and set(links) <= gold  # it was linked to football articles


def test_an_edit_that_moves_an_article_is_indexed_again(tmp_path: Path) -> None:
    before = site()
    after = list(before)
    later = dt.datetime(2025, 4, 30, 8, 0, tzinfo=NOW.tzinfo)
    after[0] = dataclasses.replace(before[0], date=later, tags=("Mới",))
    patched, fresh = rebuild(tmp_path, before, after)
    assert shown(patched) == shown(fresh)
    assert patched.articles[0] is after[0]  # now the newest
    assert [t.name for t in patched.tags if t.articles == (0,)] == ["Mới"]


def test_an_embargo_lifting_between_builds_publishes_the_article(tmp_path: Path) -> None:
    before = site()
    after = list(before)
    after[1] = dataclasses.replace(before[1], title="Sửa tiêu đề")
    patched, fresh = rebuild(tmp_path, before, after, NOW + dt.timedelta(hours=2))
    assert shown(patched) == shown(fresh)
    assert before[12] in patched.articles  # "hen-gio", embargoed until 13:00


def test_editing_a_draft_leaves_the_published_site_alone(tmp_path: Path) -> None:
    before = site()
    after = list(before)
    after[13] = dataclasses.replace(before[13], terms=(("lai suat", 3.0),))
    patched, fresh = rebuild(tmp_path, before, after)
    assert shown(patched) == shown(fresh)
    assert after[13] not in patched.articles
