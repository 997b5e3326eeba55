"""Machine-readable outputs: feeds, sitemaps, robots.txt, head metadata and the schedule file."""
