"""A second `newsgen check` reuses what the first one saw, yet misses nothing that changed since."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsgen.checker import check_site
from tests.conftest import NOW, article

FILES = {
    "content/thoi-su/bao.md": article("Bão số 3", "2025-04-22 09:07", "Bão mạnh."),
    "content/thoi-su/mua.md": article(
        "Mưa lớn", "2025-04-23 07:00", "Mưa kéo dài, xem [bão](/thoi-su/bao-so-3/)."
    ),
}


@pytest.fixture
def check(capsys: pytest.CaptureFixture[str]):
    """Run `newsgen check` in-process on a site; return (exit code, stdout, stderr)."""
    from newsgen.cli import main

    def run(root: Path, *extra: str) -> tuple[int, str, str]:
        args = ["--lang", "en", "check", "--site", str(root), "--now", NOW, "--jobs", "1"]
        code = main([*args, *extra])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_second_check_reports_a_broken_link_added_to_one_article(site, check) -> None:
    root = site(FILES)
    assert check(root)[0] == 0
    path = root / "content/thoi-su/bao.md"
    path.write_text(path.read_text() + "\nXem [thêm](/khong-co/) và [nữa](../khong-co-nua/)\n")
    code, _out, err = check(root)
    assert code == 1
    assert "thoi-su/bao-so-3/index.html:" in err
    assert "broken link to /khong-co/" in err and "broken link to ../khong-co-nua/" in err


def test_second_check_reports_a_link_to_an_article_deleted_since(site, check) -> None:
    root = site(FILES)
    assert check(root)[0] == 0
    (root / "content/thoi-su/bao.md").unlink()
    code, _out, err = check(root)
    assert code == 1
    assert "thoi-su/mua-lon/index.html:" in err and "broken link to /thoi-su/bao-so-3/" in err


def test_unchanged_site_gives_the_same_verdict_twice(site, check) -> None:
    root = site({**FILES, "content/a/hong.md": article("Hỏng", body="[x](/khong-co/)")})
    first = check(root)
    second = check(root)
    assert first[0] == second[0] == 1
    assert "broken link to /khong-co/" in second[2]
    assert first[2] == second[2]


def test_fixing_the_link_clears_the_problem(site, check) -> None:
    root = site({**FILES, "content/a/hong.md": article("Hỏng", body="[x](/khong-co/)")})
    assert check(root)[0] == 1
    (root / "content/a/hong.md").write_text(article("Hỏng", body="[x](/thoi-su/mua-lon/)"))
    code, out, err = check(root)
    assert (code, err) == (0, "")
    assert "no problems" in out


def test_check_builds_aside_and_leaves_public_alone(site, check) -> None:
    root = site(FILES)
    assert check(root)[0] == 0
    assert not (root / "public").exists()
    assert (root / ".newsgen/check/public/thoi-su/bao-so-3/index.html").is_file()
    assert check(root, "--no-cache")[0] == 0


# -- the checker's memory on hand-written pages: only changed pages re-read, every link re-resolved


def _write(root: Path, pages: dict[str, str]) -> dict[str, str]:
    """Write pages into an output folder; return path -> SHA-256, as the manifest lists them."""
    for rel, text in pages.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in pages.items()}


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>\n"


def _messages(root: Path, hashes: dict[str, str], memory: Path) -> list[str]:
    problems = check_site(root, "https://bao.example/", 1, hashes, memory)
    return [f"{p.path}:{p.line}: {p.message}" for p in problems]


def test_unchanged_page_linking_to_a_removed_page_is_reported(tmp_path) -> None:
    out, memory = tmp_path / "out", tmp_path / "memory"
    pages = {"a/index.html": _page('<a href="/b/">b</a>'), "b/index.html": _page("<p>b</p>")}
    hashes = _write(out, pages)
    assert _messages(out, hashes, memory) == []
    (out / "b/index.html").unlink()
    del hashes["b/index.html"]
    assert _messages(out, hashes, memory) == ["a/index.html:1: broken link to /b/"]


def test_unchanged_page_linking_to_an_id_removed_from_another_page_is_reported(tmp_path) -> None:
    out, memory = tmp_path / "out", tmp_path / "memory"
    pages = {"a/index.html": _page('<a href="/b/#x">b</a>'), "b/index.html": _page('<p id="x">b</p>')}
    hashes = _write(out, pages)
    assert _messages(out, hashes, memory) == []
    hashes.update(_write(out, {"b/index.html": _page('<p id="y">b</p>')}))
    assert _messages(out, hashes, memory) == ["a/index.html:1: link to /b/#x: no id 'x' there"]


def test_page_whose_bytes_changed_is_read_again(tmp_path) -> None:
    out, memory = tmp_path / "out", tmp_path / "memory"
    hashes = _write(out, {"a/index.html": _page("<p>a</p>")})
    assert _messages(out, hashes, memory) == []
    hashes = _write(out, {"a/index.html": _page('<p id="d"></p><p id="d"></p><div>')})
    messages = _messages(out, hashes, memory)
    assert "a/index.html:1: id 'd' is used twice (first at line 1)" in messages
    assert "a/index.html:1: </body> closes <div> (line 1) too early" in messages
