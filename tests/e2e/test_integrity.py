"""All or nothing: a failed, strict or interrupted build leaves the previous site byte for byte."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NOW, REPO, article

FILES = {
    "content/thoi-su/bao.md": article(
        "Bão số 3", "2025-04-22 09:07", "Bão mạnh.", tags="[Thời tiết]"
    ),
    "content/thoi-su/mua.md": article("Mưa lớn", "2025-04-23 07:00", "Mưa kéo dài."),
}


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root with its bytes and modification time."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def leftovers(root: Path) -> list[str]:
    """Staging folders next to the output."""
    return sorted(p.name for p in root.iterdir() if ".newsgen-staging-" in p.name)


def test_bad_article_leaves_previous_output_untouched(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    before = snapshot(root / "public")
    (root / "content/thoi-su/hong.md").write_text("---\ntitle: x\ndate: 2025-02-30\n---\n")
    code, _out, err = build(root)
    assert code == 1 and "content/thoi-su/hong.md:3: date:" in err
    assert snapshot(root / "public") == before
    assert leftovers(root) == []


def test_template_error_on_a_late_page_leaves_previous_output_untouched(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    before = snapshot(root / "public")
    (root / "templates").mkdir()
    (root / "templates/terms.html").write_text("{{ no_such_variable.x }}")
    code, _out, err = build(root)
    assert code == 1 and "terms.html" in err
    assert snapshot(root / "public") == before
    assert leftovers(root) == []


def test_strict_turns_a_warning_into_an_error_and_writes_nothing(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    before = snapshot(root / "public")
    (root / "content/thoi-su/mua.md").write_text(
        article("Mưa lớn", "2025-04-23 07:00", "x", tag="[a]")
    )
    code, _out, err = build(root)
    assert code == 0 and "content/thoi-su/mua.md:4: warning: tag: unknown key" in err
    before = snapshot(root / "public")
    code, _out, err = build(root, "--strict")
    assert code == 1 and "content/thoi-su/mua.md:4: tag: unknown key" in err
    assert snapshot(root / "public") == before


def test_deleted_article_disappears_unchanged_files_keep_mtime_manifest_hashes_all(
    site, build
) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    first = snapshot(root / "public")
    time.sleep(0.01)
    (root / "content/thoi-su/mua.md").unlink()
    assert build(root)[0] == 0
    second = snapshot(root / "public")
    assert not any(rel.startswith("thoi-su/mua-lon/") for rel in second)
    assert second["assets/newsgen.css"] == first["assets/newsgen.css"]  # same bytes, same mtime
    manifest = json.loads((root / "public/manifest.json").read_bytes())["files"]
    assert set(manifest) == set(second) - {"manifest.json"}
    for rel, digest in manifest.items():
        assert hashlib.sha256(second[rel][0]).hexdigest() == digest


def test_unsafe_paths_and_colliding_urls_are_errors(site, build, tmp_path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text(article("Bí mật"))
    root = site(
        {
            **FILES,
            "content/a/leo.md": article("Leo", slug="../../x"),
            "content/a/mot.md": article("Trùng tên"),
            "content/a/hai.md": article("Trùng tên"),
        }
    )
    (root / "content/a/link.md").symlink_to(outside)
    code, _out, err = build(root)
    assert code == 1
    assert "content/a/leo.md:4: slug:" in err
    assert "content/a/link.md: links to a file outside the site" in err
    assert "is also the URL of content/a/" in err
    assert not (root / "public").exists()


def test_newsgen_check_catches_a_broken_link_planted_in_a_template(site, capsys) -> None:
    from newsgen.cli import main

    root = site(FILES)
    args = ["--lang", "en", "check", "--site", str(root), "--now", NOW, "--jobs", "1"]
    assert main(args) == 0
    assert "no problems" in capsys.readouterr().out
    theme = REPO / "themes/default/templates/article.html"
    (root / "templates").mkdir()
    planted = theme.read_text().replace(
        "{% block main %}",
        '{% block main %}<a href="/khong-co/">x</a><img src="thieu.jpg" alt=""><p id="d"></p><p id="d"></p><div>',
        1,
    )
    (root / "templates/article.html").write_text(planted)
    assert main(args) == 1
    err = capsys.readouterr().err
    page = "thoi-su/bao-so-3/index.html"
    assert f"{page}:" in err and "broken link to /khong-co/" in err
    assert "broken link to thieu.jpg" in err
    assert "id 'd' is used twice" in err
    assert "<div> is never closed" in err or "closes <div>" in err


def _build_cmd(site: Path, out: Path, *extra: str) -> list[str]:
    """The command line of a build in a fresh interpreter."""
    command = [sys.executable, "-m", "newsgen", "--lang", "en", "build", "--site", str(site)]
    return [*command, "--output", str(out), "--now", NOW, *extra]


def _run(cmd: list[str], **env: str) -> None:
    full = {**os.environ, "PYTHONPATH": str(REPO), **env}
    result = subprocess.run(cmd, env=full, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_two_builds_under_different_settings_are_byte_identical(tmp_path) -> None:
    site_a = tmp_path / "a"
    for name in ("content", "themes"):
        shutil.copytree(REPO / name, site_a / name)
    shutil.copy(REPO / "newsgen.yaml", site_a / "newsgen.yaml")
    site_b = tmp_path / "b"
    # the same files, created in reverse order so the directory lists them differently
    for path in sorted(site_a.rglob("*"), reverse=True):
        target = site_b / path.relative_to(site_a)
        if path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    _run(
        _build_cmd(site_a, tmp_path / "out-a", "--jobs", "1"),
        PYTHONHASHSEED="1",
        TZ="UTC",
        LC_ALL="C",
    )
    _run(
        _build_cmd(site_b, tmp_path / "out-b", "--jobs", "2"),
        PYTHONHASHSEED="4242",
        TZ="America/New_York",
        LC_ALL="C.UTF-8",
    )
    a = {k: v[0] for k, v in snapshot(tmp_path / "out-a").items()}
    b = {k: v[0] for k, v in snapshot(tmp_path / "out-b").items()}
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_build_leaves_the_old_site_intact(tmp_path, sig) -> None:
    site = tmp_path / "site"
    (site / "content/tin").mkdir(parents=True)
    (site / "newsgen.yaml").write_text("title: T\nbase_url: https://bao.example/\n")
    for i in range(400):
        body = "\n\n".join(f"Đoạn {j} của bài {i}, nói về thời sự trong ngày." for j in range(30))
        (site / f"content/tin/bai-{i}.md").write_text(
            article(f"Bài số {i}", f"2025-04-{1 + i % 28:02d} 09:07", body, slug=f"bai-{i}")
        )
    out = tmp_path / "public"
    _run(_build_cmd(site, out, "--jobs", "1"))
    before = snapshot(out)
    for i in range(400):  # every page changes, so the next build writes for a while
        path = site / f"content/tin/bai-{i}.md"
        path.write_text(path.read_text().replace("Đoạn", "Câu"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(_build_cmd(site, out, "--jobs", "1"), env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path) and time.monotonic() < deadline:  # wait until it writes
        time.sleep(0.005)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert snapshot(out) == before
    _run(_build_cmd(site, out, "--jobs", "1"))
    assert leftovers(tmp_path) == []
    assert "Câu 0 của bài 7" in (out / "tin/bai-7/index.html").read_text()


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root: a file's bytes, None for a folder."""
    return {
        p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.slow
def test_a_build_killed_while_updating_the_spare_is_recovered_by_the_next(tmp_path) -> None:
    site = tmp_path / "site"
    (site / "content/tin").mkdir(parents=True)
    (site / "newsgen.yaml").write_text("title: T\nbase_url: https://bao.example/\n")
    sources = [site / f"content/tin/bai-{i}.md" for i in range(400)]
    for i, path in enumerate(sources):
        body = "\n\n".join(f"Đoạn {j} của bài {i}, nói về thời sự trong ngày." for j in range(30))
        path.write_text(
            article(f"Bài {i}", f"2025-04-{1 + i % 28:02d} 09:07", body, slug=f"bai-{i}")
        )
    out = tmp_path / "public"
    spare = tmp_path / ".public.newsgen-spare"
    _run(_build_cmd(site, out, "--jobs", "1"))
    for path in sources:
        path.write_text(path.read_text().replace("Đoạn", "Câu"))
    _run(_build_cmd(site, out, "--jobs", "1"))  # retires the first output as the spare
    assert (spare / "manifest.json").is_file()
    before = snapshot(out)
    inodes = {p: p.stat().st_ino for p in spare.glob("tin/*/index.html")}
    for path in sources:
        path.write_text(path.read_text().replace("Câu", "Ý"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(_build_cmd(site, out, "--jobs", "1"), env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until it has replaced some pages of the spare
        if sum(not p.exists() or p.stat().st_ino != n for p, n in inodes.items()) > 5:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert snapshot(out) == before
    assert not (spare / "manifest.json").exists()  # left dirty
    (spare / "tin/bai-1/stray.html").write_text("a file no build wrote")
    _run(_build_cmd(site, out, "--jobs", "1"))
    _run(_build_cmd(site, tmp_path / "cold", "--jobs", "1", "--no-cache"))
    assert _tree(out) == _tree(tmp_path / "cold")
    assert leftovers(tmp_path) == []
