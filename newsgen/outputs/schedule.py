"""`.newsgen/schedule.json`: when the published site next changes by itself, for CI to rebuild then."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from .. import vietnamese
from ..config import SiteConfig

SCHEDULE = Path(".newsgen") / "schedule.json"


def schedule_data(config: SiteConfig, now: dt.datetime, next_change: dt.datetime | None) -> dict:
    """Describe the build time and the next embargo lift or expiry (None when nothing is due)."""
    tz = config.tz
    return {
        "built_at": vietnamese.iso_datetime(now, tz),
        "next_change": vietnamese.iso_datetime(next_change, tz) if next_change else None,
        "next_change_utc": (
            next_change.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if next_change else None
        ),
    }


def write_schedule(config: SiteConfig, now: dt.datetime, next_change: dt.datetime | None) -> Path:
    """Write schedule.json under the site's .newsgen/ folder atomically; return its path."""
    path = config.site_dir / SCHEDULE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(schedule_data(config, now, next_change), indent=1, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".schedule-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
