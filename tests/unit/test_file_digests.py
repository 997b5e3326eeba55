"""sources.FileDigests: each photo read once per build, and once per change in the preview."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from newsgen import sources
from newsgen.sources import FileDigests


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _aged(path: Path, data: bytes, seconds_ago: float = 10.0) -> str:
    """Write a file with an older modification time, returning its path."""
    path.write_bytes(data)
    old = time.time_ns() - int(seconds_ago * 1e9)
    os.utime(path, ns=(old, old))
    return str(path)


def test_a_digest_the_first_stage_made_is_not_computed_again(tmp_path: Path, monkeypatch) -> None:
    path = _aged(tmp_path / "anh.jpg", b"photo")
    digests = FileDigests({path: "given"})
    monkeypatch.setattr(sources, "file_hash", lambda p: pytest.fail("read again"))
    assert digests(path) == "given"


def test_without_a_memo_each_file_is_hashed_once(tmp_path: Path, monkeypatch) -> None:
    path = _aged(tmp_path / "anh.jpg", b"photo")
    digests = FileDigests()
    assert digests(path) == _sha(b"photo")
    assert FileDigests()(str(tmp_path / "missing.jpg")) == ""
    monkeypatch.setattr(sources, "file_hash", lambda p: pytest.fail("read again"))
    assert digests(path) == _sha(b"photo")


def test_the_preview_rehashes_only_a_file_that_changed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sources, "_RACY_NS", -1)  # its change time is now: trust it anyway here
    path = _aged(tmp_path / "anh.jpg", b"photo")
    memo: dict[str, object] = {}
    assert FileDigests(memo=memo)(path) == _sha(b"photo")
    reads: list[str] = []
    real = sources.file_hash
    monkeypatch.setattr(sources, "file_hash", lambda p: reads.append(p) or real(p))
    assert FileDigests(memo=memo)(path) == _sha(b"photo")  # the next build: kept
    assert reads == []
    _aged(tmp_path / "anh.jpg", b"another photo", seconds_ago=5)
    assert FileDigests(memo=memo)(path) == _sha(b"another photo")
    assert reads == [path]


def test_a_file_saved_just_now_is_not_trusted_by_its_signature(tmp_path: Path) -> None:
    path = tmp_path / "anh.jpg"
    path.write_bytes(b"photo")  # within two seconds: another save could keep size and mtime
    memo: dict[str, object] = {}
    assert FileDigests(memo=memo)(str(path)) == _sha(b"photo")
    assert memo == {}


def test_the_watchers_silence_covers_a_file_and_the_folders_above_it() -> None:
    quiet = sources._quiet("/site", {"content/a/bai.md", "content/b", ""})
    assert quiet("/site/content/a/anh.jpg")  # a neighbour of the saved article
    assert not quiet("/site/content/a/bai.md")  # reported itself
    assert not quiet("/site/content/b/anh.jpg")  # its folder was reported (created, renamed)
    assert not quiet("/site/content/b/c/anh.jpg")
    assert quiet("/site/content/bc/anh.jpg")  # only a name that starts alike
    assert not quiet("/elsewhere/content/a/anh.jpg")  # outside the site: never vouched for


def test_a_file_the_watcher_vouches_for_is_not_even_looked_at(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sources, "_RACY_NS", -1)
    path = _aged(tmp_path / "anh.jpg", b"photo")
    memo: dict[str, object] = {}
    assert FileDigests(memo=memo)(path) == _sha(b"photo")
    monkeypatch.setattr(sources.os, "stat", lambda *a: pytest.fail("looked at"))
    assert FileDigests(memo=memo, quiet=lambda p: True)(path) == _sha(b"photo")
    monkeypatch.undo()
    monkeypatch.setattr(sources, "_RACY_NS", -1)
    _aged(tmp_path / "anh.jpg", b"another photo", seconds_ago=5)
    reported = FileDigests(memo=memo, quiet=lambda p: False)
    assert reported(path) == _sha(b"another photo")


def test_the_first_stage_vouches_only_for_plain_files_it_walked_to(tmp_path: Path) -> None:
    from newsgen import shortcut

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "anh.jpg").write_bytes(b"photo")
    (tmp_path / "a" / "bai.md").write_text("x", encoding="utf-8")
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.jpg").write_bytes(b"photo")
    (tmp_path / "a" / "lien-ket.jpg").symlink_to(elsewhere / "x.jpg")
    (tmp_path / "b").symlink_to(elsewhere)  # a linked folder is not entered
    links: set[str] = set()
    found = shortcut._files(tmp_path, ".md", links)
    assert found == [str(tmp_path / "a" / "anh.jpg"), str(tmp_path / "a" / "lien-ket.jpg")]
    assert links == {str(tmp_path / "a" / "lien-ket.jpg")}
    walked = {found[0]: _sha(b"photo")}
    digests = FileDigests(walked)
    assert digests.vouches(found[0], _sha(b"photo"))
    assert not digests.vouches(found[0], _sha(b"other"))
    assert not digests.vouches(found[1], _sha(b"photo"))  # a link: looked up in full


def test_silence_vouches_only_for_the_bytes_this_process_hashed(tmp_path: Path, monkeypatch) -> None:
    """A parse taken from the cache folder may predate the preview: its photo digest must match."""
    monkeypatch.setattr(sources, "_RACY_NS", -1)
    path = _aged(tmp_path / "anh.jpg", b"photo")
    memo: dict[str, object] = {}
    FileDigests(memo=memo)(path)
    silent = FileDigests(memo=memo, quiet=lambda p: True)
    assert silent.vouches(path, _sha(b"photo"))
    assert not silent.vouches(path, _sha(b"the photo before the preview started"))
    assert not silent.vouches(str(tmp_path / "never-hashed.jpg"), _sha(b"photo"))


def test_read_file_reads_every_byte_whatever_the_size(tmp_path: Path) -> None:
    """Sources are read with plain system calls: empty, small and multi-megabyte files whole."""
    from newsgen.sources import read_file

    for size in (0, 1, 4097, (1 << 20) + 3, 3 << 20):
        path = tmp_path / f"f{size}"
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        path.write_bytes(data)
        assert read_file(path) == data


def test_read_file_reads_on_past_a_size_that_grew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that grew after its size was taken is read to its end, not cut at that size."""
    from types import SimpleNamespace

    from newsgen.sources import read_file

    path = tmp_path / "growing.md"
    data = b"a" * ((1 << 20) * 2 + 5)
    path.write_bytes(data)
    monkeypatch.setattr(sources.os, "fstat", lambda fd: SimpleNamespace(st_size=10))
    assert read_file(path) == data
