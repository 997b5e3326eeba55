"""Shared fixtures: write a small site into a temp folder, build it, read the output with real parsers."""

from __future__ import annotations

import shutil
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
NOW = "2025-05-01T12:00:00+07:00"


def write_site(root: Path, files: dict[str, str | bytes], config: str | None = None) -> Path:
    """Create a site: newsgen.yaml plus the given files (text is dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "newsgen.yaml").write_text(
        config if config is not None else "title: Báo Thử\nbase_url: https://bao.example/\n",
        encoding="utf-8",
    )
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def jpeg(width: int = 40, height: int = 30, exif: object = None) -> bytes:
    """Make a real JPEG (blue top-left quarter on red), with optional EXIF (a PIL.Image.Exif)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, width // 2, height // 2))
    picture.save(out, "JPEG", exif=exif if exif is not None else Image.Exif())
    return out.getvalue()


def article(
    title: str = "Tin thử",
    date: str = "2025-04-22 09:07",
    body: str = "Nội dung bài viết.",
    **extra: str,
) -> str:
    """Return the text of a simple article with the given front matter."""
    lines = ["---", f'title: "{title}"', f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    lines += ["---", "", body, ""]
    return "\n".join(lines)


def hold_pagefind(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make every Pagefind run wait until the returned event is set (60 s at most)."""
    from newsgen import search

    release = threading.Event()
    real = search._pagefind

    def held(*args: Any, **kwargs: Any) -> None:
        assert release.wait(60)
        real(*args, **kwargs)

    monkeypatch.setattr(search, "_pagefind", held)
    return release


@pytest.fixture
def preview_builder() -> Iterator[Callable[[Path], tuple[Callable[[], str], Path]]]:
    """Make the preview's builder for a site (no server); its search thread stops afterwards."""
    from newsgen.server import ServeOptions, make_builder, preview_dir

    made: list[Callable[[], str]] = []

    def make(site_dir: Path) -> tuple[Callable[[], str], Path]:
        options = ServeOptions(site=site_dir, port=0, now=NOW, log=lambda line: None)
        output = preview_dir(site_dir) / "public"
        made.append(make_builder(options, output, "http://127.0.0.1:8000/"))
        return made[-1], output

    yield make
    for run in made:
        for refresher in getattr(run, "refresher", []):
            refresher.close()


@pytest.fixture
def site(tmp_path: Path) -> Callable[..., Path]:
    """Factory fixture: site(files, config=None) -> site folder."""

    def make(files: dict[str, str | bytes], config: str | None = None) -> Path:
        return write_site(tmp_path / "site", files, config)

    return make


@pytest.fixture
def build(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `newsgen build` in-process; return (exit code, stdout, stderr)."""
    from newsgen.cli import main

    def run(site_dir: Path, *args: str) -> tuple[int, str, str]:
        # English messages: the Vietnamese catalogue has its own tests (tests/unit/test_messages.py)
        code = main(["--lang", "en", "build", "--site", str(site_dir), "--now", NOW, "--jobs", "1", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def parse_html(path: Path):  # type: ignore[no-untyped-def]
    """Parse an HTML file with html5lib into an ElementTree (no namespaces)."""
    import html5lib

    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def text_of(element) -> str:  # type: ignore[no-untyped-def]
    """Return the text content of an element, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A copy of the repository's sample site."""
    target = tmp_path / "sample"
    target.mkdir()
    for name in ("content", "themes"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "newsgen.yaml", target / "newsgen.yaml")
    return target
