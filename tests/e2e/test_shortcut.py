"""A rebuild with nothing changed is skipped, and anything that could change the output prevents it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import NOW, article

FILES = {
    "content/thoi-su/mot.md": article("Tin một", "2025-04-20 08:00", "Nội dung một."),
    "content/thoi-su/hai.md": article("Tin hai", "2025-04-21 08:00", "Nội dung hai."),
    "content/thoi-su/sau.md": article("Tin hẹn giờ", "2025-05-03 08:00", "Chưa được đăng."),
}


def inodes(public: Path) -> dict[str, int]:
    """Map every output file to its inode."""
    return {
        p.relative_to(public).as_posix(): p.stat().st_ino for p in public.rglob("*") if p.is_file()
    }


def test_unchanged_rebuild_is_skipped_and_touches_nothing(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    before = inodes(root / "public")
    code, out, _ = build(root)
    assert code == 0
    assert out.startswith("nothing changed since the last build of 2 articles:")
    assert inodes(root / "public") == before


def test_a_skipped_build_does_not_load_the_parsing_and_rendering_stages(site, build) -> None:
    """A CI run with nothing new must not pay for importing Markdown, Jinja2 and Pillow."""
    root = site(FILES)
    assert build(root)[0] == 0
    code = (
        "import sys; from newsgen.cli import main; "
        f"main(['--lang', 'en', 'build', '--site', {str(root)!r}, '--now', {NOW!r}]); "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('markdown', 'jinja2', 'PIL', 'newsgen'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    out = done.stdout.splitlines()
    assert out[0].startswith("nothing changed since the last build of 2 articles")
    loaded = set(out[-1].split())
    assert "newsgen.shortcut" in loaded
    assert not loaded & {"markdown", "jinja2", "PIL", "newsgen.site", "newsgen.render"}


def test_any_input_change_rebuilds(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    changes = [
        lambda: (root / "content/thoi-su/anh.txt").write_text("ghi chú", encoding="utf-8"),
        lambda: (
            (root / "static").mkdir() or (root / "static/x.css").write_text("a{}", encoding="utf-8")
        ),
        lambda: (
            (root / "templates").mkdir()
            or (root / "templates/404.html").write_text("404\n", encoding="utf-8")
        ),
        lambda: (root / "newsgen.yaml").write_text(
            "title: Báo Khác\nbase_url: https://bao.example/\n", encoding="utf-8"
        ),
        lambda: (root / "content/thoi-su/mot.md").write_text(
            article("Tin một sửa"), encoding="utf-8"
        ),
    ]
    for change in changes:
        change()
        code, out, err = build(root)
        assert code == 0, err
        assert out.startswith("built "), out


def test_a_file_deleted_from_the_output_is_rebuilt(site, build) -> None:
    root = site(FILES)
    assert build(root)[0] == 0
    page = root / "public/thoi-su/tin-mot/index.html"
    page.unlink()
    code, out, _ = build(root)
    assert code == 0 and out.startswith("built ")
    assert page.is_file()


def test_a_file_renamed_or_added_in_the_output_is_rebuilt(site, build) -> None:
    """Neither changes the number of files; both change a folder, and the build notices."""
    root = site(FILES)
    assert build(root)[0] == 0
    page = root / "public/thoi-su/tin-mot/index.html"
    page.rename(page.with_name("index.htm"))
    code, out, _ = build(root)
    assert code == 0 and out.startswith("built ")
    assert page.is_file() and not page.with_name("index.htm").exists()
    (root / "public/thoi-su/stray.html").write_text("x")
    code, out, _ = build(root)
    assert code == 0 and out.startswith("built ")
    assert not (root / "public/thoi-su/stray.html").exists()


def test_an_embargo_lifting_rebuilds_even_with_the_same_inputs(site, build) -> None:
    from newsgen.cli import main

    root = site(FILES)
    assert build(root)[0] == 0  # --now 2025-05-01: the 03/05 article is embargoed
    assert not (root / "public/thoi-su/tin-hen-gio").exists()
    assert (
        main(["--lang", "en", "build", "--site", str(root), "--now", "2025-05-03T09:00:00+07:00"])
        == 0
    )
    assert (root / "public/thoi-su/tin-hen-gio/index.html").is_file()


def test_no_cache_never_skips(site, build) -> None:
    root = site(FILES)
    assert build(root, "--no-cache")[0] == 0
    code, out, _ = build(root, "--no-cache")
    assert code == 0 and out.startswith("built ")
