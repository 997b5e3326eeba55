"""The output swap: the spare copy is brought up to date in place and never leaks into the live site."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsgen import output
from newsgen.output import MANIFEST, Staging, spare_path

CSS = b"body { margin: 0 }\n"


def site(**pages: bytes) -> dict[str, bytes]:
    """A generation of output files: a stylesheet plus one folder per page, as for pretty URLs."""
    files = {"assets/newsgen.css": CSS, "index.html": b"<h1>home</h1>"}
    files.update({f"{name}/index.html": body for name, body in pages.items()})
    return files


def build(out: Path, files: dict[str, bytes]) -> list[output.Written]:
    """Publish one generation through Staging, as `newsgen build` does."""
    staging = Staging(out)
    written = [staging.write(rel, data) for rel, data in sorted(files.items())]
    staging.finish(written)
    return written


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root: a file's bytes, None for a folder."""
    return {
        p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


def without_manifest(root: Path) -> dict[str, bytes | None]:
    """The tree minus manifest.json, whose bytes do not depend on how the output was built."""
    return {rel: data for rel, data in tree(root).items() if rel != MANIFEST}


def fresh(tmp_path: Path, files: dict[str, bytes]) -> dict[str, bytes | None]:
    """What a cold build of these files gives."""
    cold = tmp_path / "cold" / "public"
    shutil.rmtree(cold.parent, ignore_errors=True)
    build(cold, files)
    return tree(cold)


def identity(path: Path) -> tuple[int, int, int]:
    """Inode, modification time and change time (a new hard link changes the latter)."""
    info = os.lstat(path)
    return info.st_ino, info.st_mtime_ns, info.st_ctime_ns


def published(root: Path) -> dict[str, tuple[bytes | None, int, int]]:
    """What a reader or `rsync` sees of the output: bytes, inode and modification time."""
    return {
        rel: (data, os.lstat(root / rel).st_ino, os.lstat(root / rel).st_mtime_ns)
        for rel, data in tree(root).items()
    }


def test_a_rebuild_touches_only_what_changed_and_equals_a_fresh_build(tmp_path: Path) -> None:
    out = tmp_path / "public"
    pages = {f"bai-{i}": f"<p>bài {i}</p>".encode() for i in range(20)}
    build(out, site(**pages))
    build(out, site(**pages))  # retires the first output: from now on there is a spare
    assert spare_path(out).is_dir()
    before = {rel: identity(out / rel) for rel in site(**pages)}
    for round_ in range(3):
        pages["bai-7"] = f"<p>bài 7, sửa lần {round_}</p>".encode()
        written = build(out, site(**pages))
        assert [w.rel for w in written if w.changed] == ["bai-7/index.html"]
        assert tree(out) == fresh(tmp_path, site(**pages))
        for rel, ident in before.items():
            if rel != "bai-7/index.html":  # same inode, same mtime, not even linked again
                assert identity(out / rel) == ident, rel
                assert identity(spare_path(out) / rel) == ident, rel
    assert (out / "bai-7/index.html").read_bytes() == "<p>bài 7, sửa lần 2</p>".encode()
    assert (spare_path(out) / "bai-7/index.html").read_bytes() == "<p>bài 7, sửa lần 1</p>".encode()


def test_removed_files_and_emptied_folders_disappear(tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = site(a=b"a", b=b"b", c=b"c") | {"tin/2025/anh/x.jpg": b"jpeg"}
    generations = [first, first, site(a=b"a"), site(a=b"a2"), site(a=b"a2", d=b"d")]
    for files in generations:
        build(out, files)
        assert tree(out) == fresh(tmp_path, files)
    assert not (out / "tin").exists() and not (spare_path(out) / "tin").exists()


def test_a_file_can_become_a_folder_and_back(tmp_path: Path) -> None:
    out = tmp_path / "public"
    as_file = site(a=b"a") | {"tin": b"a file"}
    as_folder = site(a=b"a") | {"tin/index.html": b"a folder"}
    for files in (as_file, as_file, as_folder, as_file, as_folder, as_folder, as_file):
        build(out, files)
        assert tree(out) == fresh(tmp_path, files)


def test_a_dirty_spare_is_walked_and_its_strays_removed(tmp_path: Path) -> None:
    out = tmp_path / "public"
    files = site(a=b"a", b=b"b")
    build(out, files)
    build(out, files)
    spare = spare_path(out)
    # what a build killed half-way leaves: no manifest (the dirty mark), stray files and folders
    (spare / MANIFEST).unlink()
    (spare / "stray.html").write_bytes(b"stray")
    (spare / "b/.index.html.newsgen-tmp-123").write_bytes(b"half written")
    (spare / "empty/deeper").mkdir(parents=True)
    (spare / "a/index.html").unlink()
    files["b/index.html"] = b"b2"
    build(out, files)
    assert tree(out) == fresh(tmp_path, files)


def test_an_output_file_edited_in_place_does_not_leak_through_the_spare(tmp_path: Path) -> None:
    out = tmp_path / "public"
    files = site(a=b"original")
    for _ in range(2):
        build(out, files)
    with open(out / "a/index.html", "r+b") as edit:  # same inode as the spare's copy
        edit.write(b"EDITED!!")
    for _ in range(3):
        build(out, files)
        assert tree(out) == fresh(tmp_path, files)


def test_writing_never_changes_the_live_output_before_finish(tmp_path: Path) -> None:
    out = tmp_path / "public"
    files = site(a=b"a", b=b"b")
    build(out, files)
    build(out, files)  # the spare's files are now hard links of the live ones
    assert (
        os.lstat(out / "a/index.html").st_ino == os.lstat(spare_path(out) / "a/index.html").st_ino
    )
    staging = Staging(out)
    assert staging.dir == spare_path(out)
    written = [staging.write("a/index.html", b"new a"), staging.write("index.html", b"new home")]
    written += [staging.write(rel, files[rel]) for rel in ("assets/newsgen.css", "b/index.html")]
    assert (out / "a/index.html").read_bytes() == b"a"
    assert (out / "index.html").read_bytes() == b"<h1>home</h1>"
    staging.finish(written)
    assert (out / "a/index.html").read_bytes() == b"new a"
    assert (out / "index.html").read_bytes() == b"new home"


def test_keep_shares_the_live_file_and_refuses_a_replaced_one(tmp_path: Path) -> None:
    out = tmp_path / "public"
    files = site(a=b"a", b=b"b")
    build(out, files)
    build(out, files)
    ident = identity(out / "a/index.html")
    staging = Staging(out)
    kept = staging.keep("a/index.html", "digest", 1, ident[0])
    assert kept is not None and not kept.changed
    assert staging.keep("b/index.html", "digest", 1, ident[0]) is None  # another inode
    rest = [staging.write(rel, data) for rel, data in files.items() if rel != "a/index.html"]
    staging.finish([kept, *rest])
    assert identity(out / "a/index.html") == ident


def test_abort_leaves_the_live_output_untouched_and_the_next_build_is_right(
    tmp_path: Path,
) -> None:
    out = tmp_path / "public"
    files = site(a=b"a", b=b"b", c=b"c")
    for _ in range(3):
        build(out, files)
    before = published(out)
    staging = Staging(out)
    staging.write("a/index.html", b"changed")
    staging.write("new/index.html", b"new")
    staging.write("b/index.html", b"b")
    staging.abort()
    assert published(out) == before
    files["c/index.html"] = b"c2"
    build(out, files)
    assert tree(out) == fresh(tmp_path, files)


def test_without_atomic_exchange_the_retired_output_still_becomes_the_spare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    out = tmp_path / "public"
    for i in range(4):
        files = site(a=f"a{i}".encode(), b=b"b")
        build(out, files)
        assert tree(out) == fresh(tmp_path, files)
    assert without_manifest(spare_path(out)) == without_manifest(out) | {"a/index.html": b"a2"}


def test_staging_folders_of_killed_builds_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(out, site(a=b"a"))
    stale = tmp_path / ".public.newsgen-staging-x1y2"
    (stale / "a").mkdir(parents=True)
    (stale / "a/index.html").write_bytes(b"half")
    build(out, site(a=b"a"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.newsgen-spare", "public"]


def test_deleting_the_output_gives_a_clean_build_even_with_a_spare(tmp_path: Path) -> None:
    out = tmp_path / "public"
    files = site(a=b"a")
    build(out, files)
    build(out, files)
    (spare_path(out) / "by-hand.txt").write_bytes(b"not listed in the spare's manifest")
    shutil.rmtree(out)
    written = build(out, files)
    assert all(w.changed for w in written)
    assert tree(out) == fresh(tmp_path, files)


@pytest.mark.parametrize("seed", range(4))
def test_any_sequence_of_builds_aborts_and_kills_gives_the_cold_output(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    rng = random.Random(seed)
    if seed % 2:  # half of the runs without renameat2
        monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    paths = ["index.html", "a/index.html", "a/b/index.html", "c", "c/index.html", "d/e/f.jpg"]
    paths += [f"tin/bai-{i}/index.html" for i in range(8)]
    out = tmp_path / "public"
    for _ in range(25):
        chosen = sorted({rng.choice(paths) for _ in range(rng.randint(1, 8))})
        files = {p: rng.choice([b"x", b"y", p.encode()]) for p in chosen}
        files = {p: d for p, d in files.items() if not any(q.startswith(p + "/") for q in files)}
        ending = rng.choice(["finish", "finish", "abort", "kill"])
        before = published(out) if out.exists() else None
        staging = Staging(out)
        written = [staging.write(rel, data) for rel, data in sorted(files.items())]
        if ending == "finish":
            staging.finish(written)
            assert tree(out) == fresh(tmp_path, files)
            continue
        assert (published(out) if out.exists() else None) == before
        if ending == "abort":
            staging.abort()


@given(st.dictionaries(st.text(), st.text(alphabet="0123456789abcdef", max_size=64), max_size=20))
def test_manifest_is_written_exactly_as_json_would_write_it(files: dict[str, str]) -> None:
    """Readers parse manifest.json; the fast writer must give json.dumps's bytes."""
    expected = json.dumps({"files": files}, indent=1, sort_keys=True).encode() + b"\n"
    assert output.manifest_bytes(files) == expected


def test_a_long_lived_process_does_not_parse_its_own_spare_manifest_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's spare is the output it wrote two builds before: its list is remembered."""
    out = tmp_path / "public"
    build(out, site(a=b"1"))
    build(out, site(a=b"2"))
    parsed: list[bytes] = []
    real = json.loads
    monkeypatch.setattr(output.json, "loads", lambda data: parsed.append(data) or real(data))
    build(out, site(a=b"3", b=b"4"))
    assert parsed == []
    assert tree(out) == fresh(tmp_path, site(a=b"3", b=b"4"))
    (spare_path(out) / MANIFEST).write_text((spare_path(out) / MANIFEST).read_text() + " ")
    build(out, site(a=b"5"))  # a manifest changed by hand is read again
    assert len(parsed) == 1
    assert tree(out) == fresh(tmp_path, site(a=b"5"))


def test_a_private_output_keeps_unchanged_files_without_touching_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's own folder: a spare it finished itself is known by inode, file by file."""
    out = tmp_path / "public"
    records: dict[str, tuple[str, int, int]] = {}
    looked: list[str] = []
    real = os.lstat

    def counting(path: str, *args: object) -> os.stat_result:
        looked.append(str(path))
        return real(path)

    def publish(files: dict[str, bytes]) -> None:
        staging = Staging(out, private=True)
        written = []
        for rel, data in sorted(files.items()):
            known = records.get(rel)
            with monkeypatch.context() as watching:
                watching.setattr(output.os, "lstat", counting)
                kept = staging.keep(rel, *known) if known else None
            written.append(kept or staging.write(rel, data))
        staging.finish(written)
        for w in written:  # the live output now holds this build's files
            info = os.lstat(out / w.rel)
            records[w.rel] = (w.sha256, info.st_size, info.st_ino)
        staging.remember_inodes({rel: inode for rel, (_, _, inode) in records.items()})

    publish(site(a=b"1", b=b"2"))
    publish(site(a=b"1", b=b"2", c=b"4"))
    looked.clear()
    records.pop("a/index.html")  # a page the caller renders again
    publish(site(a=b"3", b=b"2"))
    assert looked == []
    assert tree(out) == fresh(tmp_path, site(a=b"3", b=b"2"))


@given(st.lists(st.sampled_from(["a", "bài-viết", "", ".", "..", "x.html", "..a", ".b"]), max_size=5))
def test_output_paths_with_empty_dot_or_parent_parts_never_pass_as_plain(parts: list[str]) -> None:
    rel = "/".join(parts)
    plain = bool(parts) and all(part not in {"", ".", ".."} for part in parts)
    if plain:
        assert output.safe_rel(rel) == rel
        return
    try:
        cleaned = output.safe_rel(rel)
    except output.NewsgenError:
        return  # refused: absolute, empty or climbing out
    assert cleaned != rel or rel == "."  # never passed through as it came
    assert ".." not in cleaned.split("/") and not cleaned.startswith("/")
