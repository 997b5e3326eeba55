"""RSS 2.0 feeds: the whole site and each section, full article HTML in content:encoded."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .. import vietnamese
from ..bodies import body_of
from ..config import SiteConfig
from ..index import SiteIndex
from .urls import absolute, absolutize_html

CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
for _prefix, _uri in (("content", CONTENT), ("dc", DC), ("atom", ATOM)):
    ET.register_namespace(_prefix, _uri)


def rss(
    index: SiteIndex,
    config: SiteConfig,
    members: Sequence[int],
    title: str,
    description: str,
    link: str,
    feed_url: str,
) -> bytes:
    """Return an RSS 2.0 document of the newest `feeds.items` articles among `members`."""
    tz = config.tz
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", title)
    _text(channel, "link", absolute(config, link))
    _text(channel, "description", description or title)
    _text(channel, "language", "vi")
    ET.SubElement(
        channel,
        f"{{{ATOM}}}link",
        {"href": absolute(config, feed_url), "rel": "self", "type": "application/rss+xml"},
    )
    _text(channel, "generator", "newsgen")
    chosen = list(members)[: max(0, config.feed_items)]
    if chosen:  # the newest item's time, not the clock: unchanged content gives an unchanged feed
        newest = max(_changed(index, p) for p in chosen)
        _text(channel, "lastBuildDate", vietnamese.rfc822(newest, tz))
    for position in chosen:
        _item(channel, index, config, position)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _item(channel: ET.Element, index: SiteIndex, config: SiteConfig, position: int) -> None:
    """Append one article as an <item>."""
    article = index.articles[position]
    url = absolute(config, index.urls[position])
    item = ET.SubElement(channel, "item")
    _text(item, "title", article.title)
    _text(item, "link", url)
    _text(item, "guid", url).set("isPermaLink", "true")
    _text(item, "pubDate", vietnamese.rfc822(article.date, config.tz))
    for author in index.article_authors[position]:
        _text(item, f"{{{DC}}}creator", index.authors[author].name)
    _text(item, "category", index.categories[index.article_category[position]].name)
    for tag in index.article_tags[position]:
        _text(item, "category", index.tags[tag].name)
    _text(item, "description", article.summary)
    _text(item, f"{{{CONTENT}}}encoded", absolutize_html(body_of(article), url))


def _changed(index: SiteIndex, position: int) -> dt.datetime:
    """Return when an article last changed: its update time, else its publication time."""
    article = index.articles[position]
    return article.updated or article.date


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    """Append a child element holding text (ElementTree escapes it)."""
    child = ET.SubElement(parent, tag)
    child.text = xml_text(text)
    return child


def xml_text(text: str) -> str:
    """Drop the control characters XML 1.0 cannot hold, so no reader rejects the file."""
    return _NOT_XML_RE.sub("", text)
