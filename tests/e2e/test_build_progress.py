"""A long build reports its stages: plain, stable lines when not on a terminal (CI)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from newsgen import site as site_module
from newsgen.config import load_config
from newsgen.progress import Progress
from newsgen.request import BuildRequest, build_time
from newsgen.site import build
from tests.conftest import NOW, article


def test_plain_progress_lines_for_a_long_build(site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_module, "_LONG_BUILD", 2)
    root: Path = site(
        {
            f"content/thoi-su/tin-{i}.md": article(f"Tin {i}", f"2025-04-{10 + i} 08:00")
            for i in range(3)
        }
    )
    stream = io.StringIO()
    request = BuildRequest(
        config=load_config(root),
        output=root / "public",
        now=build_time(NOW),
        jobs=1,
        progress=Progress(stream, interactive=False),
    )
    build(request)
    lines = stream.getvalue().splitlines()
    assert lines[:6] == [
        "parse: 3 to do",
        "parse: done 3",
        "index",
        "index: done 0",
        "plan",
        "plan: done 0",
    ]
    pages = re.fullmatch(r"write: (\d+) to do", lines[6])
    assert pages is not None and int(pages.group(1)) > 3
    assert lines[7:] == [f"write: done {pages.group(1)}"]


def test_small_builds_print_no_progress(site, build) -> None:
    root = site({"content/thoi-su/tin.md": article("Tin")})
    code, out, err = build(root)
    assert code == 0
    assert "to do" not in err and "to do" not in out
