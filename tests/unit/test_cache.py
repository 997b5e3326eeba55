"""The build cache's keys: stable for equal inputs, different for any input that shows in the output."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from newsgen import cache
from newsgen.cache import Reuse
from newsgen.config import SiteConfig
from newsgen.sources import Source
from newsgen.views import Link, PageMeta

REPO = Path(__file__).resolve().parent.parent.parent


def _context(name: str) -> dict[str, object]:
    when = dt.datetime(2025, 4, 22, 9, 7, tzinfo=dt.UTC)
    return {"page": PageMeta("tag", name, "", "/tag/x/"), "links": (Link(name, "/a/"),), "d": when}


def test_fingerprint_ignores_object_identity() -> None:
    shared = "Giá điện"
    same = {"a": shared, "b": shared}
    copies = {"a": "Giá điện", "b": "".join(["Giá ", "điện"])}
    assert cache.fingerprint(same) == cache.fingerprint(copies)


def test_fingerprint_sees_every_value() -> None:
    assert cache.fingerprint(_context("Giá điện")) != cache.fingerprint(_context("Giá điên"))


def test_fingerprint_is_the_same_whatever_the_hash_seed() -> None:
    code = (
        "import datetime as dt; from tests.unit.test_cache import _context; "
        "from newsgen import cache; print(cache.fingerprint(_context('Thời sự')).hex())"
    )
    digests = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_parse_key_follows_parsing_config_only(tmp_path: Path) -> None:
    config = SiteConfig(site_dir=tmp_path)
    digest = cache.parse_digest(config)
    assert cache.parse_digest(replace(config, title="Báo khác", per_page=5)) == digest
    assert cache.parse_digest(replace(config, timezone="UTC")) != digest
    assert cache.parse_digest(replace(config, base_url="https://x.example/bao/")) != digest
    key = cache.parse_key(digest, "content/a.md", "00")
    assert cache.parse_key(digest, "content/b.md", "00") != key
    assert cache.parse_key(digest, "content/a.md", "01") != key


def test_image_dependencies_notice_a_new_file(tmp_path: Path) -> None:
    config = SiteConfig(site_dir=tmp_path)
    (tmp_path / "content").mkdir()
    text = "---\ntitle: A\nimage: 'bia.jpg'\n---\n\n![x](hinh.jpg)\n"
    source = Source("content/a.md", text.encode(), "00")
    deps = cache.image_deps(source, config, text)
    assert [src for src, _, _ in deps] == ["hinh.jpg", "bia.jpg"]
    assert cache.deps_hold(source, config, deps)
    (tmp_path / "content" / "bia.jpg").write_bytes(b"img")
    assert not cache.deps_hold(source, config, deps)


def test_an_image_with_the_same_bytes_is_not_measured_again(tmp_path: Path, monkeypatch) -> None:
    from newsgen import images
    from newsgen.sources import FileDigests
    from tests.conftest import jpeg

    config = SiteConfig(site_dir=tmp_path)
    (tmp_path / "content").mkdir()
    photo = tmp_path / "content" / "hinh.jpg"
    photo.write_bytes(jpeg(40, 30))
    text = "---\ntitle: A\n---\n\n![x](hinh.jpg)\n"
    source = Source("content/a.md", text.encode(), "00")
    deps = cache.image_deps(source, config, text, FileDigests())
    assert deps[0][1] == "content/hinh.jpg\x0040x30" and deps[0][2]  # where in the site
    real_probe = images.probe
    monkeypatch.setattr(images, "probe", lambda path: pytest.fail("measured again"))
    assert cache.deps_hold(source, config, deps, FileDigests())
    photo.write_bytes(jpeg(60, 30))  # replaced by a wider photo under the same name
    monkeypatch.setattr(images, "probe", real_probe)
    assert not cache.deps_hold(source, config, deps, FileDigests())


def test_parsed_store_keeps_used_entries_and_forgets_others(tmp_path: Path) -> None:
    store = cache.BuildCache(tmp_path / "c")
    fresh = {"k1": ((), b"one", "d1", b"t1", "<p>1</p>"), "k2": ((), b"two", "d2", b"t2", "<p>2</p>")}
    store.store_parsed(fresh, {"k1": ((), 1), "k2": ((), 2)})
    store.close()
    store = cache.BuildCache(tmp_path / "c")
    assert store.parsed(["k1", "k2"]) == {"k1": ((), b"one"), "k2": ((), b"two")}
    store.store_parsed({}, {"k2": ((), 2)})
    assert list(store.parsed(["k1", "k2"])) == ["k2"]
    store.close()


def test_term_vectors_are_stored_apart_and_read_by_article_digest(tmp_path: Path) -> None:
    """A body edit reads the terms of the articles the related index has not seen, no others."""
    terms = (("bão", 1.5), ("bão số", 3.0))
    store = cache.BuildCache(tmp_path / "c")
    assert store.add_parsed({"k1": ((), b"lean", "d1", pickle.dumps(terms), "<p>x</p>")})
    assert store.terms(["d1", "unknown"]) == {"d1": terms}  # this build's parse, from memory
    store.close()
    store = cache.BuildCache(tmp_path / "c")
    assert store.terms(["d1"]) == {"d1": terms}  # a new process, from the table
    assert store.parsed(["k1"]) == {"k1": ((), b"lean")}
    store.close()


def test_page_records_belong_to_one_state_of_the_output_wherever_it_lies(tmp_path: Path) -> None:
    """The same manifest in another folder (a CI runner's copy) is the same bytes; another
    manifest, or none, is another output."""
    for name, files in (("public", "a"), ("copy", "a"), ("other", "b")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(f'{{"files": {{"index.html": "{files}"}}}}')
    (tmp_path / "empty").mkdir()
    store = cache.BuildCache(tmp_path / "c")
    record = cache.PageRecord(b"k", "ab", 3, 7)
    store.store_pages(tmp_path / "public", {"index.html": record})
    assert store.pages(tmp_path / "public") == {"index.html": record}
    assert store.pages(tmp_path / "copy") == {"index.html": record}
    assert store.pages(tmp_path / "other") == {}
    assert store.pages(tmp_path / "empty") == {}
    (tmp_path / "c" / "pages.pickle").write_bytes(b"not a pickle")
    assert store.pages(tmp_path / "public") == {}


def test_page_records_hold_only_for_the_output_state_they_describe(tmp_path: Path) -> None:
    """Records written before the output changed (a crashed preview) are not trusted."""
    public = tmp_path / "public"
    public.mkdir()
    (public / "manifest.json").write_text('{"files": {"index.html": "ab"}}\n')
    store = cache.BuildCache(tmp_path / "c")
    record = cache.PageRecord(b"k", "ab", 3, 7)
    store.store_pages(public, {"index.html": record})
    assert cache.BuildCache(tmp_path / "c").pages(public) == {"index.html": record}
    (public / "manifest.json").write_text('{"files": {"index.html": "cd"}}\n')
    assert cache.BuildCache(tmp_path / "c").pages(public) == {}


def test_a_long_lived_process_writes_page_records_when_it_stops(tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    (public / "manifest.json").write_text('{"files": {"index.html": "ab"}}\n')
    reuse = Reuse()
    first, second = cache.PageRecord(b"1", "ab", 3, 7), cache.PageRecord(b"2", "cd", 3, 8)
    cache.BuildCache(tmp_path / "c", reuse).store_pages(public, {"index.html": first})
    cache.BuildCache(tmp_path / "c", reuse).store_pages(public, {"index.html": second})
    assert cache.BuildCache(tmp_path / "c").pages(public) == {"index.html": first}
    assert cache.BuildCache(tmp_path / "c", reuse).pages(public) == {"index.html": second}
    reuse.flush()
    assert cache.BuildCache(tmp_path / "c").pages(public) == {"index.html": second}


def test_damaged_database_is_recreated(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / cache._PARSED_DB).write_bytes(b"this is not a database" * 100)
    store = cache.BuildCache(folder)
    assert store.parsed(["k"]) == {}
    store.close()


def test_reuse_keeps_objects_in_memory() -> None:
    reuse = cache.Reuse()
    store = cache.BuildCache(None, reuse)
    store.store_parsed({}, {"k": ((), "parsed article")})
    assert cache.BuildCache(None, reuse).parsed(["k", "x"]) == {"k": ((), "parsed article")}


def _content_site(tmp_path: Path) -> Path:
    """A site folder with two articles (discover only reads files)."""
    folder = tmp_path / "site" / "content" / "thoi-su"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text("---\ntitle: A\n---\nMột.\n", encoding="utf-8")
    (folder / "b.md").write_text("---\ntitle: B\n---\nHai.\n", encoding="utf-8")
    (tmp_path / "site" / "newsgen.yaml").write_text("title: T\n", encoding="utf-8")
    return tmp_path / "site"


def _settled_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, SiteConfig, Reuse]:
    """The two-article site, as a preview sees it when its files were saved long ago."""
    from newsgen import sources
    from newsgen.config import load_config

    monkeypatch.setattr(sources, "_RACY_NS", 0)  # files and folders changed long ago
    site_dir = _content_site(tmp_path)
    return site_dir, load_config(site_dir), Reuse()


def test_preview_rereads_only_changed_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsgen import sources as site_module

    site_dir, config, reuse = _settled_site(tmp_path, monkeypatch)
    first, _ = site_module.discover(config, reuse)
    (site_dir / "content/thoi-su/b.md").write_text("---\ntitle: B\n---\nBốn.\n", encoding="utf-8")
    second, _ = site_module.discover(config, reuse)
    assert second[0] is first[0]  # a.md untouched: not even read
    assert second[1].data.decode() == "---\ntitle: B\n---\nBốn.\n"  # same size, new bytes


def test_preview_lists_again_only_folders_whose_entries_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding, removing or renaming an article is seen; an unchanged folder is not re-listed."""
    from newsgen import sources as site_module

    site_dir, config, reuse = _settled_site(tmp_path, monkeypatch)
    site_module.discover(config, reuse)
    listed: list[str] = []
    scandir = os.scandir

    def counting(path):  # type: ignore[no-untyped-def]
        listed.append(os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(site_module.os, "scandir", counting)
    assert len(site_module.discover(config, reuse)[0]) == 2
    assert listed == []
    folder = site_dir / "content/thoi-su"
    (folder / "c.md").write_text("---\ntitle: C\n---\nMới.\n", encoding="utf-8")
    os.utime(folder, ns=(10**18, 10**18))  # its mtime moved (set: whatever the clock granularity)
    found = site_module.discover(config, reuse)[0]
    assert [s.rel for s in found] == [f"content/thoi-su/{n}.md" for n in ("a", "b", "c")]
    assert listed == [str(folder)]
    (folder / "c.md").rename(folder / "d.md")
    os.utime(folder, ns=(2 * 10**18, 2 * 10**18))
    assert [s.rel for s in site_module.discover(config, reuse)[0]][-1] == "content/thoi-su/d.md"


def test_preview_rereads_a_file_saved_just_before_it_was_read(tmp_path: Path) -> None:
    from newsgen import sources as site_module
    from newsgen.config import load_config

    site_dir = _content_site(tmp_path)
    config, reuse = load_config(site_dir), Reuse()
    first, _ = site_module.discover(config, reuse)
    second, _ = site_module.discover(config, reuse)
    assert second[0] is not first[0] and second[0] == first[0]  # a racy file is read again


def test_watcher_reports_spare_the_checks_and_a_missed_change_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With inotify's reports, a rebuild checks only the files and folders they name."""
    from newsgen import sources

    site_dir, config, reuse = _settled_site(tmp_path, monkeypatch)
    reuse.changes = changes = sources.Changes()
    changes.arm()
    sources.discover(config, reuse)  # the first build after arming checks everything
    stats: list[str] = []
    real_stat = os.stat

    def counting(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        stats.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(sources.os, "stat", counting)
    folder = site_dir / "content/thoi-su"
    (folder / "b.md").write_text("---\ntitle: B\n---\nBốn.\n", encoding="utf-8")
    changes.note(["content/thoi-su/b.md"])
    found = sources.discover(config, reuse)[0]
    assert found[1].data.decode().endswith("Bốn.\n")
    assert str(folder / "b.md") in stats
    assert str(folder / "a.md") not in stats and str(folder) not in stats  # not checked
    assert not sources.missed(reuse)

    (folder / "a.md").write_text("---\ntitle: A\n---\nBa.\n", encoding="utf-8")  # event lost
    assert sources.missed(reuse)  # what the preview checks once idle after a build
    assert sources.missed(reuse, lambda: True) is None  # a save is waiting: checked later
    changes.distrust()
    assert sources.discover(config, reuse)[0][0].data.decode().endswith("Ba.\n")

    new = site_dir / "content/kinh-te"
    new.mkdir()
    (new / "c.md").write_text("---\ntitle: C\n---\nMới.\n", encoding="utf-8")
    changes.note(["content/kinh-te", "content", "content/kinh-te/c.md", "content/kinh-te"])
    assert [s.rel for s in sources.discover(config, reuse)[0]][0] == "content/kinh-te/c.md"


def test_reports_are_not_trusted_before_the_watcher_runs(tmp_path: Path) -> None:
    from newsgen import sources

    changes = sources.Changes()
    changes.note(["content/a.md"])
    assert changes.take() is None  # not armed: check everything
    changes.arm()
    assert changes.take() is None  # the first build after arming checks everything
    changes.note(["content/a.md"])
    assert changes.take() == {"content/a.md"}
    assert changes.take() == set()
    changes.disarm()  # a folder could not be watched
    changes.note(["content/a.md"])
    assert changes.take() is None


def test_reports_are_not_trusted_for_a_site_named_by_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from newsgen import sources

    site_dir, config, reuse = _settled_site(tmp_path, monkeypatch)
    monkeypatch.chdir(tmp_path)
    config = dataclasses.replace(config, site_dir=Path("site"))  # as an API caller may
    reuse.changes = changes = sources.Changes()
    changes.arm()
    sources.discover(config, reuse)
    (site_dir / "content/thoi-su/a.md").write_text("---\ntitle: A\n---\nBa.\n", "utf-8")
    changes.note([])  # the report was lost, or named the file another way
    assert sources.discover(config, reuse)[0][0].data.decode().endswith("Ba.\n")


def test_a_preloaded_cache_file_is_taken_once_and_never_after_it_was_replaced(
    tmp_path: Path,
) -> None:
    """What a build loaded while its sources were read must be the file as it is now."""
    cache._write_tagged(tmp_path / "shape.pickle", "shape", {"tags": ["giá điện"]})
    cache.preload(tmp_path, "shape.pickle")
    first = cache._read_tagged(tmp_path / "shape.pickle", "shape")
    assert first == {"tags": ["giá điện"]}
    assert cache._read_tagged(tmp_path / "shape.pickle", "shape") is not first  # taken once
    cache.preload(tmp_path, "shape.pickle")
    cache._write_tagged(tmp_path / "shape.pickle", "shape", {"tags": ["xăng dầu"]})
    assert cache._read_tagged(tmp_path / "shape.pickle", "shape") == {"tags": ["xăng dầu"]}
    cache.preload(tmp_path, "missing.pickle")
    assert cache._read_pickle(tmp_path / "missing.pickle") is None
