"""The default theme in a real browser: phone and desktop widths, accessibility, no network leaks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.browser import ARTIFACTS, axe_script, build_sample, chromium, serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAGES = {
    "home": "/",
    "section": "/chuyen-doi-so/",
    "article": "/chuyen-doi-so/ung-dung-du-lieu-va-tri-tue-nhan-tao-ai-phuc-vu-quan-tri-va-phat-trien-ben-vung/",
}
WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the sample site once for the module and serve it."""
    public = build_sample(tmp_path_factory.mktemp("theme") / "sample")
    with serve(public) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium for the module."""
    with chromium() as b:
        yield b


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_is_accessible_and_self_contained(site_url, browser, name: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    failed: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site_url) else None)
    page.goto(site_url + PAGES[name], wait_until="networkidle")

    assert (errors, failed, outside) == ([], [], [])
    assert page.evaluate("document.documentElement.lang") == "vi"
    assert page.locator("h1").count() == 1
    scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll[0] <= scroll[1], f"horizontal scroll on {name} at {width}px: {scroll}"
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    broken = page.evaluate(
        "[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []
    assert page.evaluate("[...document.images].every(i => i.hasAttribute('alt'))")

    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"theme-{name}-{width}.png"), full_page=True)

    page.add_script_tag(content=axe_script())
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
    )
    assert result == []
    page.close()


def test_headings_leave_room_for_stacked_diacritics(site_url, browser) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 900})
    page.goto(site_url + PAGES["article"])
    ratios = page.evaluate(
        "[...document.querySelectorAll('h1, h2, .site-name')].map(h => {"
        " const s = getComputedStyle(h); return parseFloat(s.lineHeight) / parseFloat(s.fontSize); })"
    )
    assert ratios and min(ratios) >= 1.3
    transforms = page.evaluate(
        "[...document.querySelectorAll('*')].map(e => getComputedStyle(e).textTransform)"
    )
    assert "capitalize" not in transforms
    page.close()


def test_list_times_read_relative_to_the_reader_clock(site_url, browser) -> None:
    page = browser.new_page()
    page.clock.set_fixed_time("2025-04-23T03:30:00Z")  # 10:30 in Hà Nội, two hours after 08:30
    page.goto(site_url + "/chuyen-doi-so/")
    lead_time = page.locator(".entry-lead time").first
    assert lead_time.get_attribute("datetime") == "2025-04-23T08:30:00+07:00"
    assert lead_time.inner_text() == "2 giờ trước"
    assert lead_time.get_attribute("title") == "Thứ tư, 23/04/2025 08:30"
    page.close()


def test_header_shows_today_in_the_site_time_zone(site_url, browser) -> None:
    page = browser.new_page()
    page.clock.set_fixed_time("2025-04-22T18:30:00Z")  # already Wednesday 01:30 in Hà Nội
    page.goto(site_url + "/")
    today = page.locator("header time[data-today]")
    assert today.inner_text() == "Thứ tư, 23/4/2025"
    assert today.get_attribute("datetime") == "2025-04-23"
    page.close()


def test_dark_mode_follows_the_system(site_url, browser) -> None:
    page = browser.new_page(color_scheme="dark")
    page.goto(site_url + PAGES["article"])
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 18, 18)"
    page.screenshot(path=str(ARTIFACTS / "theme-article-dark.png"))
    page.close()
