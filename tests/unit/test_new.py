"""`newsgen new`: the file it writes parses back through newsgen's own reader, whatever the title."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from newsgen import markup
from newsgen.cli import main
from newsgen.config import load_config
from newsgen.content import parse_article
from newsgen.sources import Source
from tests.conftest import article, write_site

NOW = "2025-04-22T02:07:00+00:00"  # 09:07 in Hà Nội


def _new(site: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--lang", "en", "new", *args, "--site", str(site), "--now", NOW])
    out, err = capsys.readouterr()
    return code, out, err


def _parse(site: Path, path: Path):  # type: ignore[no-untyped-def]
    config = load_config(site)
    parsed = parse_article(Source.read(config.site_dir, path), config, markup.BodyRenderer())
    assert [p.format() for p in parsed.problems] == []
    return parsed.article


@pytest.fixture
def site_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("NEWSGEN_AUTHOR", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return write_site(tmp_path / "site", {})


AWKWARD = [
    "Bão số 3: tin mới nhất",
    "Ông nói: \"Không!\" và 'đi'",
    "Tin #1 hôm nay # thật",
    unicodedata.normalize("NFD", "Hoà bình ở Thủ đô"),
    "- [x] {a: b} & *alias | > ? @ ` % !",
    "yes",
    "2025-04-22",
    "Dòng\\ngạch \\ chéo \t tab",
]


@pytest.mark.parametrize("title", AWKWARD)
def test_awkward_titles_parse_back_to_the_same_title(
    site_dir: Path, capsys: pytest.CaptureFixture[str], title: str
) -> None:
    code, out, err = _new(site_dir, capsys, title, "--category", "Thời sự", "--author", "Kim Bằng")
    assert code == 0, err
    path = site_dir / out.strip().removeprefix(str(site_dir) + "/")
    assert path.is_file()
    article = _parse(site_dir, path)
    expected = " ".join(unicodedata.normalize("NFC", title).split())
    assert article.title == expected
    assert article.category == "Thời sự"
    assert article.authors == ("Kim Bằng",)
    assert article.date.isoformat() == "2025-04-22T09:07:00+07:00"
    assert article.tags == () and article.summary == ""


def test_path_layout_and_front_matter_comments(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _new(site_dir, capsys, "Bão số 3: tin mới nhất", "--category", "Thời sự")
    assert code == 0
    assert out.strip().endswith("content/thoi-su/2025/04/bao-so-3-tin-moi-nhat.md")
    text = (site_dir / "content/thoi-su/2025/04/bao-so-3-tin-moi-nhat.md").read_text("utf-8")
    assert 'title: "Bão số 3: tin mới nhất"' in text
    assert "date: 2025-04-22 09:07+07:00" in text
    for line in text.splitlines():  # comments stand on their own lines, never after a value
        assert line.startswith("#") or " #" not in line


def test_refuses_to_overwrite(site_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _new(site_dir, capsys, "Tin trùng")[0] == 0
    path = site_dir / "content/tin-tuc/2025/04/tin-trung.md"
    path.write_text("đã viết\n", encoding="utf-8")
    code, out, err = _new(site_dir, capsys, "Tin trùng")
    assert code == 1
    assert "content/tin-tuc/2025/04/tin-trung.md: the file already exists" in err
    assert path.read_text(encoding="utf-8") == "đã viết\n"


def test_author_from_environment_then_git(
    site_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSGEN_AUTHOR", "Minh Anh")
    _, out, _ = _new(site_dir, capsys, "Tin một")
    assert _parse(site_dir, Path(out.strip())).authors == ("Minh Anh",)
    monkeypatch.delenv("NEWSGEN_AUTHOR")
    (site_dir / ".gitconfig").write_text("[user]\n\tname = Hoàng Nam\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(site_dir / ".gitconfig"))
    _, out, _ = _new(site_dir, capsys, "Tin hai")
    assert _parse(site_dir, Path(out.strip())).authors == ("Hoàng Nam",)


def test_no_author_anywhere_leaves_a_comment(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _new(site_dir, capsys, "Tin ba")
    assert _parse(site_dir, Path(out.strip())).authors == ()
    assert "# Tác giả" in Path(out.strip()).read_text("utf-8")


def test_title_without_letters_is_refused(
    site_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _new(site_dir, capsys, "!!!")
    assert code == 1 and "gives an empty slug" in err and "Traceback" not in err
    assert not (site_dir / "content").exists() or not any((site_dir / "content").rglob("*.md"))


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update(GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.com", LANG="C.UTF-8")
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_hook_blocks_a_broken_article(tmp_path: Path) -> None:
    repo = write_site(tmp_path / "toa-soan", {"content/thoi-su/tot.md": article(title="Tin tốt")})
    assert _git(repo, "init", "-q").returncode == 0
    hook = repo / ".git/hooks/pre-commit"
    # the plain git hook from docs/newsroom.md, with this interpreter instead of `newsgen`
    hook.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m newsgen check --strict\n',
        encoding="utf-8",
    )
    hook.chmod(0o755)
    _git(repo, "add", ".")
    good = _git(repo, "commit", "-q", "-m", "bài tốt")
    assert good.returncode == 0, good.stderr
    (repo / "content/thoi-su/hong.md").write_text(
        '---\ntitle: "Hỏng"\ndate: 30/02/2025\n---\nThân bài.\n', encoding="utf-8"
    )
    _git(repo, "add", ".")
    broken = _git(repo, "commit", "-q", "-m", "bài hỏng")
    assert broken.returncode != 0
    assert "content/thoi-su/hong.md:3: date: ngày '30/02/2025' không tồn tại" in broken.stderr
    assert _git(repo, "log", "--format=%s").stdout.split("\n")[0] == "bài tốt"
