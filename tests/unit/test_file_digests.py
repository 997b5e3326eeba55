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
    monkeypatch.setattr(sources, "_hash_file", lambda p: pytest.fail("read again"))
    assert digests(path) == "given"


def test_without_a_memo_each_file_is_hashed_once(tmp_path: Path, monkeypatch) -> None:
    path = _aged(tmp_path / "anh.jpg", b"photo")
    digests = FileDigests()
    assert digests(path) == _sha(b"photo")
    assert FileDigests()(str(tmp_path / "missing.jpg")) == ""
    monkeypatch.setattr(sources, "_hash_file", lambda p: pytest.fail("read again"))
    assert digests(path) == _sha(b"photo")


def test_the_preview_rehashes_only_a_file_that_changed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sources, "_RACY_NS", -1)  # its change time is now: trust it anyway here
    path = _aged(tmp_path / "anh.jpg", b"photo")
    memo: dict[str, object] = {}
    assert FileDigests(memo=memo)(path) == _sha(b"photo")
    reads: list[str] = []
    real = sources._hash_file
    monkeypatch.setattr(sources, "_hash_file", lambda p: reads.append(p) or real(p))
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
