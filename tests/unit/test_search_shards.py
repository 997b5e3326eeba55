"""The search index's shards: cut by publication period, stable as a newsroom adds articles."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from newsgen.search import shards


def _pages(days: list[dt.date]) -> list[tuple[str, dt.date]]:
    return [(f"a{i:05d}/index.html", day) for i, day in enumerate(days)]


def test_a_small_archive_has_one_shard_per_year_newest_first() -> None:
    pages = _pages([dt.date(2023, 5, 1), dt.date(2025, 1, 2), dt.date(2024, 12, 31)])
    assert shards(pages, size=10) == {
        "2025": ["a00001/index.html"],
        "2024": ["a00002/index.html"],
        "2023": ["a00000/index.html"],
    }


def test_a_busy_year_is_split_only_where_it_must_be() -> None:
    """A year over the limit splits in halves; only the busy half goes on to quarters, months."""
    days = [dt.date(2025, 2, 1)] * 3 + [dt.date(2025, 8, 1)] * 3 + [dt.date(2025, 11, 5)] * 3
    found = shards(_pages(days), size=4)
    assert list(found) == ["2025-q4", "2025-q3", "2025-h1"]
    assert [len(v) for v in found.values()] == [3, 3, 3]


def test_a_day_is_never_split_however_busy() -> None:
    days = [dt.date(2025, 3, 3)] * 7 + [dt.date(2025, 3, 4)]
    found = shards(_pages(days), size=2)
    assert {name: len(v) for name, v in found.items()} == {"2025-03-04": 1, "2025-03-03": 7}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)), min_size=1, max_size=80),
    st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)),
    st.integers(2, 12),
    st.booleans(),
)
def test_every_page_is_in_exactly_one_shard_and_a_new_one_moves_few(
    days: list[dt.date], extra: dt.date, size: int, published_today: bool
) -> None:
    """A new article lands in one period, or in its own day's shard when it is published today
    (nothing is indexed before it is published); shards elsewhere keep exactly the same pages."""
    today = extra if published_today else None
    if today is not None:
        days = [min(day, today) for day in days]
    before = shards(_pages(days), size=size, today=today)
    listed = [rel for rels in before.values() for rel in rels]
    assert sorted(listed) == sorted(rel for rel, _ in _pages(days))
    assert all(len(rels) <= size or len(set(_days(rels, days))) == 1 for rels in before.values())
    after = shards([*_pages(days), ("new/index.html", extra)], size=size, today=today)
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    if today is not None:
        assert changed == {extra.isoformat()}
    else:
        assert all(name.startswith(str(extra.year)) for name in changed)


def _days(rels: list[str], days: list[dt.date]) -> list[dt.date]:
    return [days[int(rel[1:6])] for rel in rels]


def test_today_and_yesterday_are_each_their_own_shard() -> None:
    """The day's edits and new articles re-index a few dozen pages, not a month's."""
    days = [dt.date(2025, 4, 2), dt.date(2025, 4, 29), dt.date(2025, 4, 30), dt.date(2025, 4, 30)]
    found = shards(_pages(days), size=10, today=dt.date(2025, 4, 30))
    assert found == {
        "2025-04-30": ["a00002/index.html", "a00003/index.html"],
        "2025-04-29": ["a00001/index.html"],
        "2025": ["a00000/index.html"],
    }


def test_the_next_day_moves_only_the_day_that_left_into_its_period() -> None:
    days = [dt.date(2025, 4, 2), dt.date(2025, 4, 29), dt.date(2025, 4, 30)]
    before = shards(_pages(days), size=10, today=dt.date(2025, 4, 30))
    after = shards(_pages(days), size=10, today=dt.date(2025, 5, 1))
    assert after == {"2025-04-30": before["2025-04-30"], "2025": ["a00000/index.html", "a00001/index.html"]}


def test_a_page_leaves_the_recent_days_at_midnight_in_the_site_time_zone() -> None:
    from zoneinfo import ZoneInfo

    from newsgen.search import leaves_recent

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    published = dt.datetime(2025, 4, 30, 23, 30, tzinfo=dt.UTC)  # 1 May, 06:30 in Hà Nội
    assert leaves_recent(published, tz) == dt.datetime(2025, 5, 3, tzinfo=tz)
