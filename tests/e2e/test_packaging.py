"""The installed command finds its default theme, from a checkout and from a wheel installed elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO, article, parse_html, text_of, write_site


def _site(root: Path) -> Path:
    """A site with no themes/ folder of its own."""
    return write_site(root, {"content/thoi-su/tin.md": article("Tin mới nhất", "2025-04-22 09:07", "Nội dung.")})


def test_python_m_newsgen_from_another_folder_uses_bundled_theme(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "newsgen", "build", "--site", str(site), "--now", "2025-05-01T00:00:00Z"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (site / "public/thoi-su/tin-moi-nhat/index.html").is_file()
    assert (site / "public/assets/newsgen.css").is_file()


def test_command_reports_through_a_pipe_and_exits_with_its_code(tmp_path: Path) -> None:
    """The build command leaves without teardown: its summary and its errors still get out."""
    site = _site(tmp_path / "site")
    command = [sys.executable, "-m", "newsgen", "--lang", "en", "build", "--site", str(site)]
    command += ["--now", "2025-05-01T00:00:00Z"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe buffers
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "built 1 articles" in done.stdout and "next scheduled change" in done.stdout
    (site / "content/thoi-su/hong.md").write_text("---\ntitle: Thiếu ngày\n---\nNội dung.\n")
    failed = subprocess.run(command, capture_output=True, text=True, env=env)
    assert failed.returncode == 1
    assert "hong.md" in failed.stderr and "date" in failed.stderr
    assert (site / "public/thoi-su/tin-moi-nhat/index.html").is_file()  # the last output stays


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_builds_a_site(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(wheels)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("newsgen-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin/pip"
    subprocess.run([str(pip), "install", "-q", str(wheel)], check=True, capture_output=True)
    site = _site(tmp_path / "site")
    result = subprocess.run(
        [str(env_dir / "bin/newsgen"), "build", "--site", str(site), "--now", "2025-05-01T00:00:00Z"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    page = parse_html(site / "public/thoi-su/tin-moi-nhat/index.html")
    assert text_of(page.find(".//h1")) == "Tin mới nhất"
    assert (site / "public/assets/newsgen.css").is_file()
