"""The preview's first start takes the articles a `newsgen build` parsed (cache.seed_parsed)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsgen import cache, site
from newsgen.server import preview_dir
from tests.conftest import article, parse_html, text_of, write_site

Builder = Callable[[Path], tuple[Callable[[], str], Path]]

FILES: dict[str, str | bytes] = {
    f"content/kinh-te/gia-dien-{k}.md": article(
        f"Giá điện tăng đợt {k}",
        date=f"2025-04-{10 + k} 08:00",
        body=f"Bộ Công Thương điều chỉnh giá điện lần {k}, áp dụng từ tháng sau.",
        tags="[giá điện, EVN]",
        category="Kinh tế",
    )
    for k in range(6)
}


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the articles the build parses (in this process: a small site has no workers)."""
    parsed: list[str] = []
    real = site.parse_article

    def counting(source: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(source.rel)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(site, "parse_article", counting)
    return parsed


def _pages(output: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(output)): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()
    }


@pytest.fixture
def built_site(tmp_path: Path, build: Callable[..., tuple[int, str, str]]) -> Path:
    """The site after `newsgen build` (its cache filled)."""
    site_dir = write_site(tmp_path / "site", FILES)
    assert build(site_dir)[0] == 0
    return site_dir


def test_the_first_start_after_a_build_parses_nothing_and_builds_the_same_preview(
    tmp_path: Path,
    build: Callable[..., tuple[int, str, str]],
    monkeypatch,
    preview_builder: Builder,
) -> None:
    fresh = write_site(tmp_path / "fresh", FILES)  # never built: the preview parses everything
    run, fresh_output = preview_builder(fresh)
    run()
    site_dir = write_site(tmp_path / "site", FILES)
    assert build(site_dir)[0] == 0
    parsed = _parses(monkeypatch)
    run, output = preview_builder(site_dir)
    run()
    assert parsed == []
    assert _pages(output) == _pages(fresh_output)


def test_an_article_saved_after_the_build_is_parsed_again_and_shown(
    built_site: Path, monkeypatch, preview_builder: Builder
) -> None:
    site_dir = built_site
    edited = site_dir / "content/kinh-te/gia-dien-2.md"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("lần 2", "lần thứ hai"), encoding="utf-8"
    )
    parsed = _parses(monkeypatch)
    run, output = preview_builder(site_dir)
    run()
    assert parsed == ["content/kinh-te/gia-dien-2.md"]
    page = output / "kinh-te" / "gia-dien-tang-dot-2" / "index.html"
    body = parse_html(page).find(".//div[@class='body']")
    assert "lần thứ hai" in text_of(body)


def _copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many rows each seeding copied."""
    copies: list[int] = []
    real = cache.seed_parsed

    def recording(*args: Any) -> int:
        copies.append(real(*args))
        return copies[-1]

    monkeypatch.setattr(cache, "seed_parsed", recording)
    return copies


def _rows(site_dir: Path) -> int:
    db = sqlite3.connect(preview_dir(site_dir) / "cache" / "articles.sqlite")
    try:
        return int(db.execute("SELECT count(*) FROM parsed").fetchone()[0])
    finally:
        db.close()


def test_a_restart_copies_nothing(built_site: Path, monkeypatch, preview_builder: Builder) -> None:
    site_dir = built_site
    copies = _copies(monkeypatch)
    run, _ = preview_builder(site_dir)
    run()
    run.flush()  # type: ignore[attr-defined]  # what the preview does when it stops
    run, _ = preview_builder(site_dir)
    run()
    assert copies == [len(FILES), 0]
    assert _rows(site_dir) == len(FILES)


def test_parses_for_another_base_path_are_not_taken(
    tmp_path: Path,
    build: Callable[..., tuple[int, str, str]],
    monkeypatch,
    preview_builder: Builder,
) -> None:
    """Image URLs start with the base path: a build for /tin/ parsed for another site."""
    config = "title: Báo Thử\nbase_url: https://bao.example/tin/\n"
    site_dir = write_site(tmp_path / "site", FILES, config)
    assert build(site_dir)[0] == 0
    parsed, copies = _parses(monkeypatch), _copies(monkeypatch)
    run, _ = preview_builder(site_dir)  # the preview serves the site at /
    run()
    assert len(parsed) == len(FILES)
    assert copies == [0]  # none of the build's rows is copied in, to be dropped again
    assert _rows(site_dir) == len(FILES)


def test_a_cache_of_another_layout_or_unreadable_is_ignored(tmp_path: Path) -> None:
    theirs, mine = tmp_path / "build-cache", tmp_path / "preview-cache"
    cache.BuildCache(mine).close()  # the preview's table, empty
    theirs.mkdir()
    db = sqlite3.connect(theirs / "articles.sqlite")
    db.execute("CREATE TABLE parsed (key TEXT PRIMARY KEY, parsed BLOB)")
    db.execute("INSERT INTO parsed VALUES ('k', x'00')")
    db.commit()
    db.close()
    assert cache.seed_parsed(mine, theirs, ["k"]) == 0
    assert cache.seed_parsed(mine, tmp_path / "nowhere", ["k"]) == 0
    (theirs / "articles.sqlite").write_bytes(b"not a database at all" * 100)
    assert cache.seed_parsed(mine, theirs, ["k"]) == 0
    assert cache.seed_parsed(mine, mine, ["k"]) == 0
    shutil.rmtree(theirs)
    cache.BuildCache(theirs).close()  # the same layout: its row is copied once, when asked for
    db = sqlite3.connect(theirs / "articles.sqlite")
    db.execute("INSERT INTO parsed VALUES ('k', x'00', x'00', 'd', x'00', 'body')")
    db.commit()
    db.close()
    assert cache.seed_parsed(mine, theirs, ["other"]) == 0
    assert cache.seed_parsed(mine, theirs, ["k", "other"]) == 1
    assert cache.seed_parsed(mine, theirs, ["k"]) == 0


def test_the_preview_still_starts_when_the_build_cache_is_gone_midway(
    built_site: Path, preview_builder: Builder
) -> None:
    site_dir = built_site
    run, output = preview_builder(site_dir)
    shutil.rmtree(site_dir / ".newsgen" / "cache")
    run()
    assert (output / "kinh-te" / "gia-dien-tang-dot-0" / "index.html").is_file()
    assert _rows(site_dir) == len(FILES)
