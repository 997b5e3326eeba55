"""Sources hashed by the forked reader: their bytes are read on demand and must still hash the same."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsgen.cache import BuildCache
from newsgen.config import load_config
from newsgen.errors import BuildFailed
from newsgen.site import parse_all
from newsgen.sources import Source, discover
from tests.conftest import article, write_site


def _hashed(root: Path) -> list[Source]:
    """The sources as the forked reader sends them back: path and hash, no bytes."""
    found, problems = discover(load_config(root))
    assert not problems
    return [Source.hashed(s.rel, s.sha256, s.path) for s in found]


def test_a_hashed_source_reads_its_bytes_when_asked(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"content/thoi-su/mot.md": article("Tin một")})
    (source,) = _hashed(root)
    data = (root / "content/thoi-su/mot.md").read_bytes()
    assert source.rel == "content/thoi-su/mot.md"
    assert source.data == data
    assert source.sha256 == hashlib.sha256(data).hexdigest()


def test_a_file_saved_again_after_its_hashing_stops_the_build_naming_it(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"content/thoi-su/mot.md": article("Tin một")})
    (source,) = _hashed(root)
    (root / "content/thoi-su/mot.md").write_text(article("Tin một, sửa"), encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        source.data  # noqa: B018
    (problem,) = failed.value.problems
    assert problem.path == "content/thoi-su/mot.md"
    assert "changed while the build was reading it" in problem.message


def test_such_a_file_is_never_cached_under_the_hash_it_no_longer_has(tmp_path: Path) -> None:
    """The next build, with the file saved back as it was hashed, must not meet a stale error."""
    root = write_site(tmp_path / "site", {"content/thoi-su/mot.md": article("Tin một")})
    path = root / "content/thoi-su/mot.md"
    original = path.read_bytes()
    config = load_config(root)
    hashed = _hashed(root)
    path.write_text(article("Tin một, sửa"), encoding="utf-8")
    cache = BuildCache(tmp_path / "cache")
    with pytest.raises(BuildFailed):
        parse_all(hashed, config, 1, cache)
    cache.close()
    path.write_bytes(original)
    cache = BuildCache(tmp_path / "cache")
    articles, problems = parse_all(_hashed(root), config, 1, cache)
    cache.close()
    assert [a.title for a in articles] == ["Tin một"]
    assert problems == []
