"""shortcut.valid_until: when a build's output may next change by the clock alone."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from newsgen.search import leaves_recent
from newsgen.shortcut import NEWS_WINDOW, valid_until

NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
HANOI = dt.timezone(dt.timedelta(hours=7))
BERLIN = ZoneInfo("Europe/Berlin")  # clocks go back on 26/10/2025


def _every_moment(
    articles: list[Any], now: dt.datetime, tz: dt.tzinfo | None
) -> dt.datetime | None:
    """The rule spelled out: the first future moment any article brings."""
    moments = []
    for a in articles:
        moments += [a.date, a.date + NEWS_WINDOW]
        if a.expires is not None:
            moments.append(a.expires)
        if tz is not None:
            moments.append(leaves_recent(a.date, tz))
    later = [m for m in moments if m > now]
    return min(later) if later else None


def _article(minutes: int, expires: int | None) -> SimpleNamespace:
    date = NOW + dt.timedelta(minutes=minutes)
    later = None if expires is None else NOW + dt.timedelta(minutes=expires)
    return SimpleNamespace(date=date, expires=later)


offsets = st.integers(-10 * 24 * 60, 3 * 24 * 60)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(offsets, st.none() | offsets), max_size=12),
    st.sampled_from([None, HANOI, dt.UTC, BERLIN]),
)
def test_the_next_change_is_the_first_future_moment_of_any_article(
    items: list[tuple[int, int | None]], tz: dt.tzinfo | None
) -> None:
    articles = [_article(m, e) for m, e in items]
    assert valid_until(articles, NOW, False, tz) == _every_moment(articles, NOW, tz)


def test_an_old_article_brings_only_its_expiry() -> None:
    old = _article(-30 * 24 * 60, 60)
    assert valid_until([old], NOW, False, HANOI) == NOW + dt.timedelta(minutes=60)


def test_yesterdays_article_leaves_the_recent_search_shards_at_midnight() -> None:
    # published yesterday 20:00 in Hanoi: out of the news sitemap in two days, but its day
    # leaves the recent search shards at the first midnight two days on
    published = dt.datetime(2026, 3, 9, 20, 0, tzinfo=HANOI)
    article = SimpleNamespace(date=published, expires=None)
    now = dt.datetime(2026, 3, 10, 8, 0, tzinfo=HANOI)
    assert valid_until([article], now, False, HANOI) == dt.datetime(2026, 3, 11, 0, 0, tzinfo=HANOI)
    assert valid_until([article], now, False, None) == published + NEWS_WINDOW


def test_a_template_printing_the_clock_changes_every_build() -> None:
    assert valid_until([], NOW, True) == NOW


def test_an_article_about_to_leave_the_news_sitemap_is_still_counted() -> None:
    leaving = _article(-2 * 24 * 60 + 30, None)  # two days old in half an hour
    assert valid_until([leaving], NOW, False) == NOW + dt.timedelta(minutes=30)
    assert valid_until([leaving], NOW, False, dt.UTC) == NOW + dt.timedelta(minutes=30)


def test_a_day_leaving_the_recent_shards_when_the_clocks_went_back_is_counted() -> None:
    # Saturday 00:30 in Berlin; its day leaves the recent shards at Monday's midnight, 49.5
    # hours later since Sunday had 25 hours
    published = dt.datetime(2025, 10, 25, 0, 30, tzinfo=BERLIN)
    article = SimpleNamespace(date=published, expires=None)
    now = dt.datetime(2025, 10, 26, 22, 45, tzinfo=dt.UTC)
    midnight = dt.datetime(2025, 10, 27, 0, 0, tzinfo=BERLIN)
    assert valid_until([article], now, False, BERLIN) == midnight
    assert valid_until([article], now, False, BERLIN) == _every_moment([article], now, BERLIN)
