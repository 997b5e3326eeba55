"""Browser-test helpers: build the sample site, serve it over HTTP, drive Debian's Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / ".cache/axe/node_modules/axe-core/axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
NOW = "2025-05-01T12:00:00+07:00"


def axe_script() -> str:
    """Return axe-core's source, installing it from npm into .cache/axe the first time."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed once to fetch axe-core (or run .ci/run)")
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE.parents[2]),
                "--no-audit",
                "--no-fund",
                "axe-core@4",
            ],
            check=True,
            capture_output=True,
        )
    return AXE.read_text(encoding="utf-8")


def build_sample(target: Path) -> Path:
    """Copy the repository's sample site and build it; return the output folder."""
    from newsgen.cli import main

    for name in ("content", "themes"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "newsgen.yaml", target / "newsgen.yaml")
    assert main(["build", "--site", str(target), "--now", NOW, "--jobs", "1"]) == 0
    return target / "public"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay silent."""


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve a folder on a free localhost port; yield its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[object]:
    """Start headless Chromium through Playwright; skip when the browser is not installed."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
