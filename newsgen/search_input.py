"""What Pagefind reads of a page, hashed: a search shard is indexed again only when that changed.

A new article enters the "Xem thêm" lists of older ones all over the archive. Their pages
change, but only inside elements marked `data-pagefind-ignore`, which Pagefind skips: keyed on
the pages' whole bytes, ten of fourteen shards (16 s of Pagefind at 10,000 articles) were
indexed again to give the same files. Keyed on the pages without those elements, only the
shard of the new article is.

The cut is conservative: an element is left out only when its start tag is well formed and
carries the attribute, its end tag is found, it holds no other Pagefind attribute (a filter or
meta inside is read even so), and it does not start inside a script, a style or a comment.
Anything else stays in the hash: at worst a shard is indexed again, never left stale.
"""

from __future__ import annotations

import functools
import hashlib
import re

_IGNORE = b"data-pagefind-ignore"
_PAGEFIND = b"data-pagefind-"
_TAG_NAME = re.compile(rb"<([a-zA-Z][a-zA-Z0-9-]*)")
_ATTRIBUTE = re.compile(rb"""\s+([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_TAG_END = re.compile(rb"\s*/?>")
_VOID = frozenset(
    b"area base br col embed hr img input link meta param source track wbr".split()
)
_RAW = ((b"<script", b"</script"), (b"<style", b"</style"), (b"<!--", b"-->"))


def indexed_digest(page: bytes) -> bytes:
    """Hash a page without the elements Pagefind ignores."""
    return hashlib.sha256(without_ignored(page)).digest()


def without_ignored(page: bytes) -> bytes:
    """Return the page without its plain `data-pagefind-ignore` elements (see the module)."""
    found = page.find(_IGNORE)
    if found == -1:
        return page
    lowered = page.lower()
    parts, at = [], 0
    while found != -1:
        start = page.rfind(b"<", at, found)
        end = _ignored_element(page, lowered, start) if start != -1 else None
        if end is None:
            found = page.find(_IGNORE, found + len(_IGNORE))
            continue
        parts.append(page[at:start])
        at = end
        found = page.find(_IGNORE, at)
    parts.append(page[at:])
    return b"".join(parts)


def _ignored_element(page: bytes, lowered: bytes, start: int) -> int | None:
    """Where the element starting at `start` ends, if it may be left out; None to keep it."""
    name = _TAG_NAME.match(page, start)
    if name is None or _inside_raw_text(lowered, start):
        return None
    tag = name.group(1).lower()
    at, ignored = name.end(), False
    while (attribute := _ATTRIBUTE.match(page, at)) is not None:
        ignored = ignored or attribute.group(1).lower() == _IGNORE
        at = attribute.end()
    closed = _TAG_END.match(page, at)
    if not ignored or closed is None:
        return None  # the words were not this tag's attribute, or the tag is not well formed
    end = closed.end() if tag in _VOID else _closing(lowered, tag, closed.end())
    if end is None or lowered.count(_PAGEFIND, start, end) != lowered.count(_IGNORE, start, end):
        return None
    return end


def _inside_raw_text(lowered: bytes, at: int) -> bool:
    """Tell whether a position lies inside a script, a style or a comment."""
    for opening, closing in _RAW:
        begun = lowered.rfind(opening, 0, at)
        if begun != -1:
            ended = lowered.find(closing, begun)
            if ended == -1 or ended > at:
                return True
    return False


def _closing(lowered: bytes, tag: bytes, at: int) -> int | None:
    """Find the end of the end tag that closes an element of this name opened before `at`."""
    depth = 1
    for match in _tags(tag).finditer(lowered, at):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            end = lowered.find(b">", match.end())
            return end + 1 if end != -1 else None
    return None


@functools.cache
def _tags(tag: bytes) -> re.Pattern[bytes]:
    """Match the start and end tags of one element name (in lowered text)."""
    return re.compile(rb"<(/?)" + re.escape(tag) + rb"(?=[\s/>])")
