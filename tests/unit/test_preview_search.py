"""The preview's search index follows edits: only shards whose key moved are indexed again."""

from __future__ import annotations

import gzip
import json
import shutil
import threading
from pathlib import Path

import pytest

from newsgen import preview_search, search
from newsgen.errors import BuildFailed, Problem
from newsgen.preview_search import Refresher, SearchPlan, refresh

pytestmark = pytest.mark.skipif(not search.available(), reason="Pagefind is not installed")

PAGES = {
    "2024": ["tin/mua-lu/index.html", "tin/gia-vang/index.html"],
    "2025": ["tin/bong-da/index.html"],
}


def page(text: str) -> str:
    """An article page as the theme marks it for Pagefind."""
    return f'<html lang="vi"><body><main data-pagefind-body><h1>{text}</h1></main></body></html>'


def write(output: Path, texts: dict[str, str]) -> None:
    for rel, text in texts.items():
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_text(page(text), encoding="utf-8")


def plan(keys: dict[str, str], shards: dict[str, list[str]] = PAGES) -> SearchPlan:
    return SearchPlan("vi", shards, {"": "ui-1", **keys})


def texts(folder: Path) -> dict[str, str]:
    """Shard name -> the page texts its fragments hold."""
    out: dict[str, list[str]] = {}
    for path in sorted(folder.glob("pagefind/*/fragment/*.pf_fragment")):
        data = gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd")
        out.setdefault(path.parts[-3], []).append(json.loads(data)["content"].rstrip("."))
    return {name: " | ".join(sorted(found)) for name, found in out.items()}


@pytest.fixture
def output(tmp_path: Path) -> Path:
    out = tmp_path / "public"
    write(
        out,
        {
            "tin/mua-lu/index.html": "Mưa lũ miền Trung",
            "tin/gia-vang/index.html": "Giá vàng tăng",
            "tin/bong-da/index.html": "Bóng đá Việt Nam",
        },
    )
    return out


def test_only_the_shard_whose_key_moved_is_indexed_again(output: Path, tmp_path: Path) -> None:
    folder = tmp_path / "search"
    assert refresh(output, folder, plan({"2024": "a", "2025": "b"})) == ["2024", "2025"]
    assert texts(folder) == {"2024": "Giá vàng tăng | Mưa lũ miền Trung", "2025": "Bóng đá Việt Nam"}
    listed = json.loads((folder / "pagefind/shards.json").read_text())
    assert listed == {"shards": ["2024/", "2025/"]}
    assert (folder / "pagefind/pagefind-ui.js").is_file()
    kept = {p: p.stat().st_ino for p in (folder / "pagefind/2024").rglob("*") if p.is_file()}

    assert refresh(output, folder, plan({"2024": "a", "2025": "b"})) == []  # nothing moved

    write(output, {"tin/bong-da/index.html": "Bóng chuyền nữ"})
    assert refresh(output, folder, plan({"2024": "a", "2025": "c"})) == ["2025"]
    assert texts(folder) == {"2024": "Giá vàng tăng | Mưa lũ miền Trung", "2025": "Bóng chuyền nữ"}
    assert {p: p.stat().st_ino for p in kept} == kept  # the other shard's files, linked as they were
    assert (folder / "pagefind/pagefind-ui.js").is_file()
    saved = json.loads((folder / preview_search.KEYS_FILE).read_text())
    assert saved == {"": "ui-1", "2024": "a", "2025": "c"}


def test_a_shard_that_no_longer_exists_leaves_the_index(output: Path, tmp_path: Path) -> None:
    folder = tmp_path / "search"
    refresh(output, folder, plan({"2024": "a", "2025": "b"}))
    assert refresh(output, folder, plan({"2024": "a"}, {"2024": PAGES["2024"]})) == []
    assert sorted(texts(folder)) == ["2024"]
    assert json.loads((folder / "pagefind/shards.json").read_text()) == {"shards": ["2024/"]}


def test_a_new_pagefind_rewrites_the_ui_files(output: Path, tmp_path: Path) -> None:
    folder = tmp_path / "search"
    refresh(output, folder, plan({"2024": "a", "2025": "b"}))
    (folder / "pagefind/pagefind-ui.js").write_text("stale")
    moved = SearchPlan("vi", PAGES, {"": "ui-2", "2024": "a", "2025": "b"})
    assert refresh(output, folder, moved) == ["2025"]  # the smallest shard brings the UI files
    assert (folder / "pagefind/pagefind-ui.js").read_text() != "stale"


def test_a_failed_refresh_keeps_the_index_served(
    output: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "search"
    refresh(output, folder, plan({"2024": "a", "2025": "b"}))
    before = texts(folder)

    def broken(*args: object, **kwargs: object) -> None:
        raise BuildFailed([Problem("pagefind", 0, "", "pagefind crashed", "reinstall it")])

    monkeypatch.setattr(search, "index_shards", broken)
    lines: list[str] = []
    refresher = Refresher(output, folder, lines.append, settle=0.2)
    try:
        refresher.submit(plan({"2024": "a", "2025": "c"}))
        assert _wait(lambda: bool(lines))
    finally:
        refresher.close()
    assert "search index not updated" in lines[0] and "pagefind crashed" in lines[0]
    assert texts(folder) == before
    assert json.loads((folder / preview_search.KEYS_FILE).read_text())["2025"] == "b"


def test_the_newest_plan_wins_and_waits_for_the_builders_lock(
    output: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "search"
    refresh(output, folder, plan({"2024": "a", "2025": "b"}))
    lines: list[str] = []
    refresher = Refresher(output, folder, lines.append, settle=0.2)
    try:
        with refresher.lock:  # a build is writing pages: nothing is read until it is done
            refresher.submit(plan({"2024": "x", "2025": "b"}))
            refresher.submit(plan({"2024": "a", "2025": "y"}))
            write(output, {"tin/bong-da/index.html": "Quần vợt"})
            assert not _wait(lambda: refresher.idle, timeout=0.5)
        assert _wait(lambda: refresher.idle)
    finally:
        refresher.close()
    assert lines == ["search index updated: 2025"]
    assert texts(folder)["2025"] == "Quần vợt"


def test_a_run_of_saves_gives_one_refresh_after_it(output: Path, tmp_path: Path) -> None:
    folder = tmp_path / "search"
    refresh(output, folder, plan({"2024": "a", "2025": "b"}))
    lines: list[str] = []
    refresher = Refresher(output, folder, lines.append, settle=0.6)
    try:
        for k in range(5):  # a save every 0.2 s: the index waits for the last one
            refresher.submit(plan({"2024": f"edit-{k}", "2025": "b"}))
            assert not _wait(lambda: refresher.idle and bool(lines), timeout=0.2)
        assert _wait(lambda: refresher.idle and bool(lines))
    finally:
        refresher.close()
    assert lines == ["search index updated: 2024"]
    assert json.loads((folder / preview_search.KEYS_FILE).read_text())["2024"] == "edit-4"


def test_the_background_pagefind_runs_at_the_lowest_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []
    monkeypatch.setattr(search.subprocess, "run", lambda command, **kw: commands.append(command))
    search._pagefind(Path("/bin/pagefind"), tmp_path, tmp_path / "out", "vi", background=True)
    search._pagefind(Path("/bin/pagefind"), tmp_path, tmp_path / "out", "vi", background=False)
    nice = shutil.which("nice")
    assert commands[0][:3] == ([nice, "-n", "19"] if nice else ["/bin/pagefind"])[:3]
    assert commands[1][0] == "/bin/pagefind"


def _wait(condition: object, timeout: float = 30.0) -> bool:
    """Poll a condition until it holds or the timeout passes."""
    done = threading.Event()
    deadline = timeout
    while deadline > 0:
        if condition():  # type: ignore[operator]
            return True
        done.wait(0.05)
        deadline -= 0.05
    return bool(condition())  # type: ignore[operator]
