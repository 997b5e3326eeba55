"""sitemap.xml (split past 50,000 URLs), the Google News sitemap and robots.txt."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from .. import vietnamese
from ..config import SiteConfig
from ..index import SiteIndex
from .feeds import xml_text
from .urls import absolute

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
NEWS_LIMIT = 1_000  # URLs per news sitemap file (Google News)
NEWS_WINDOW = dt.timedelta(days=2)  # Google News reads articles of the last two days only
ET.register_namespace("news", NEWS)


@dataclass(frozen=True)
class Entry:
    """One HTML page for the sitemap: its site-relative URL and when it last changed."""

    url: str
    lastmod: dt.datetime | None


def sitemap_files(
    config: SiteConfig, entries: Sequence[Entry], limit: int = SITEMAP_LIMIT
) -> list[tuple[str, bytes]]:
    """Return sitemap.xml, or past `limit` URLs a sitemap index and its numbered parts."""
    tz = config.tz
    docs, newest = [], []
    for start in range(0, max(1, len(entries)), limit):
        urlset = ET.Element(f"{{{SITEMAP}}}urlset")
        chunk = entries[start : start + limit]
        newest.append(max((e.lastmod for e in chunk if e.lastmod is not None), default=None))
        for entry in chunk:
            node = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
            _text(node, f"{{{SITEMAP}}}loc", absolute(config, entry.url))
            if entry.lastmod is not None:
                _text(node, f"{{{SITEMAP}}}lastmod", vietnamese.iso_datetime(entry.lastmod, tz))
        docs.append(urlset)
    return _split(config, "/sitemap", docs, newest)


def news_sitemap_files(
    index: SiteIndex, config: SiteConfig, now: dt.datetime, limit: int = NEWS_LIMIT
) -> list[tuple[str, bytes]]:
    """Return news-sitemap.xml: articles published in the two days before `now`, newest first."""
    tz = config.tz
    oldest, recent = now - NEWS_WINDOW, []
    for p, a in enumerate(index.articles):  # newest first: stop at the first one too old
        if a.date < oldest:
            break
        if a.date <= now and not a.draft:
            recent.append(p)
    docs, newest = [], []
    for start in range(0, max(1, len(recent)), limit):
        urlset = ET.Element(f"{{{SITEMAP}}}urlset")
        chunk = recent[start : start + limit]
        for position in chunk:
            article = index.articles[position]
            node = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
            _text(node, f"{{{SITEMAP}}}loc", absolute(config, index.urls[position]))
            news = ET.SubElement(node, f"{{{NEWS}}}news")
            publication = ET.SubElement(news, f"{{{NEWS}}}publication")
            _text(publication, f"{{{NEWS}}}name", config.title)
            _text(publication, f"{{{NEWS}}}language", "vi")
            _text(news, f"{{{NEWS}}}publication_date", vietnamese.iso_datetime(article.date, tz))
            _text(news, f"{{{NEWS}}}title", article.title)
        docs.append(urlset)
        newest.append(index.articles[chunk[0]].date if chunk else None)
    return _split(config, "/news-sitemap", docs, newest)


def robots_txt(config: SiteConfig) -> bytes:
    """Return robots.txt: everything may be crawled; here are both sitemaps."""
    lines = [
        "User-agent: *",
        "Allow: /",
        "",
        f"Sitemap: {absolute(config, '/sitemap.xml')}",
        f"Sitemap: {absolute(config, '/news-sitemap.xml')}",
    ]
    return ("\n".join(lines) + "\n").encode()


def _split(
    config: SiteConfig,
    stem: str,
    docs: list[ET.Element],
    lastmods: Sequence[dt.datetime | None],
) -> list[tuple[str, bytes]]:
    """Write one document as `stem.xml`, or several as `stem-N.xml` behind an index at `stem.xml`."""
    if len(docs) == 1:
        return [(f"{stem}.xml", _xml(docs[0]))]
    files = [(f"{stem}-{n}.xml", _xml(doc)) for n, doc in enumerate(docs, 1)]
    sitemapindex = ET.Element(f"{{{SITEMAP}}}sitemapindex")
    for (url, _), lastmod in zip(files, lastmods, strict=True):
        node = ET.SubElement(sitemapindex, f"{{{SITEMAP}}}sitemap")
        _text(node, f"{{{SITEMAP}}}loc", absolute(config, url))
        if lastmod is not None:
            _text(node, f"{{{SITEMAP}}}lastmod", vietnamese.iso_datetime(lastmod, config.tz))
    return [(f"{stem}.xml", _xml(sitemapindex)), *files]


def _xml(root: ET.Element) -> bytes:
    """Serialise a document with its declaration, indented, ending in a newline."""
    ET.indent(root, space=" ")
    return (
        ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=SITEMAP) + b"\n"
    )


def _text(parent: ET.Element, tag: str, text: str) -> None:
    """Append a child element holding text."""
    ET.SubElement(parent, tag).text = xml_text(text)
