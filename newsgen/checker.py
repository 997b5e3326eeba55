"""Check a built site the way a reader's browser would: every link lands, every page parses."""

from __future__ import annotations

import html
import multiprocessing
import posixpath
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import Problem

_PARALLEL_MIN = 200  # below this many pages a worker pool costs more than it saves
_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?[^>]*>"
    r"|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)
_ATTR = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?")
_RAW_TEXT = {"script", "style", "textarea", "title"}
_RAW_END = {name: re.compile(f"</{name}", re.I) for name in _RAW_TEXT}
_VOID = set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"])
_OPTIONAL_END = set(
    ["p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "colgroup", "caption", "rt", "rp", "html", "head", "body"]
)
_CLOSES_P = set(
    ["address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul"]
)
_SIBLINGS = {"li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "td": {"td", "th"}}
_SIBLINGS |= {"th": {"td", "th"}, "tr": {"tr", "td", "th"}, "option": {"option"}}
_LINK_ATTRS = {"href", "src", "poster", "data"}
_EXTERNAL_SCHEMES = ("mailto:", "tel:", "sms:", "geo:")
_XML_LINK_TAGS = {"loc", "link", "id", "url"}


@dataclass(frozen=True)
class Site:
    """Where the checked site lives and what its internal URLs look like."""

    root: Path
    base_path: str  # '/' or '/bao/'
    origin: str  # 'https://bao.example'
    files: frozenset[str]  # every output file, relative posix path


@dataclass
class _Scan:
    """What one page scan found: its problems, its ids, and links to fragments of other pages."""

    rel: str
    problems: list[Problem] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    fragments: list[tuple[str, str, str, int]] = field(
        default_factory=list
    )  # target, id, href, line
    canonical: str | None = None


def check_site(root: Path, base_url: str, jobs: int = 1) -> list[Problem]:
    """Check every file under `root`; return the problems, in file and line order."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    parts = urlsplit(base_url)
    base_path = parts.path if parts.path.endswith("/") else parts.path + "/"
    site = Site(root, base_path or "/", f"{parts.scheme}://{parts.netloc}", frozenset(files))
    problems = _case_collisions(files)
    pages = [f for f in files if f.endswith((".html", ".htm", ".xml"))]
    scans = _scan_all(site, pages, jobs)
    ids = {scan.rel: scan.ids for scan in scans}
    canonical: dict[str, str] = {}
    for scan in scans:
        problems += scan.problems
        for target, fragment, href, line in scan.fragments:
            if target in ids and fragment not in ids[target]:
                problems.append(
                    _problem(scan.rel, line, f"link to {href}: no id '{fragment}' there")
                )
        if scan.canonical:
            first = canonical.setdefault(scan.canonical, scan.rel)
            if first != scan.rel:
                problems.append(
                    _problem(scan.rel, 0, f"same canonical URL {scan.canonical} as {first}")
                )
    return sorted(set(problems))


def _problem(rel: str, line: int, message: str, hint: str = "") -> Problem:
    """A problem in an output page; the hint points at the template or the content."""
    return Problem(rel, line, "", message, hint or "fix the template or the article that writes it")


def _case_collisions(files: Sequence[str]) -> list[Problem]:
    """Two output files that differ only in case are one file on macOS and Windows."""
    seen: dict[str, str] = {}
    problems = []
    for rel in files:
        first = seen.setdefault(rel.casefold(), rel)
        if first != rel:
            problems.append(_problem(rel, 0, f"same URL as {first} except for case"))
    return problems


# -- scanning pages, in parallel when it pays --------------------------------------------------

_WORKER: dict[str, object] = {}


def _scan_chunk(bounds: tuple[int, int]) -> list[_Scan]:
    """Scan a slice of the pages (inherited through fork)."""
    site: Site = _WORKER["site"]  # type: ignore[assignment]
    pages: Sequence[str] = _WORKER["pages"]  # type: ignore[assignment]
    return [scan_file(site, rel) for rel in pages[bounds[0] : bounds[1]]]


def _scan_all(site: Site, pages: Sequence[str], jobs: int) -> list[_Scan]:
    """Scan every page; results in input order whatever the worker count."""
    _WORKER.update(site=site, pages=pages)
    try:
        count = len(pages)
        if (
            jobs <= 1
            or count < _PARALLEL_MIN
            or "fork" not in multiprocessing.get_all_start_methods()
        ):
            return _scan_chunk((0, count))
        size = max(32, -(-count // (jobs * 8)))
        chunks = [(start, min(start + size, count)) for start in range(0, count, size)]
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_scan_chunk, chunks, chunksize=1)
        return [scan for part in parts for scan in part]
    finally:
        _WORKER.clear()


def scan_file(site: Site, rel: str) -> _Scan:
    """Scan one HTML or XML file for parse errors, duplicate ids and broken internal links."""
    scan = _Scan(rel)
    data = (site.root / rel).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        scan.problems.append(_problem(rel, line, "not valid UTF-8"))
        return scan
    if rel.endswith(".xml"):
        _scan_xml(site, rel, data, scan)
    else:
        _scan_html(site, rel, text, scan)
    return scan


def _scan_xml(site: Site, rel: str, data: bytes, scan: _Scan) -> None:
    """An XML file must parse; its links (sitemap <loc>, feed <link>) must land."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        scan.problems.append(_problem(rel, exc.position[0], f"XML does not parse: {exc}"))
        return
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        values = [element.text or ""] if tag in _XML_LINK_TAGS else []
        values += [v for k, v in element.attrib.items() if k in ("href", "url")]
        for value in values:
            if value.strip().startswith(site.origin + site.base_path):
                _check_link(site, scan, value.strip(), 0)


def _scan_html(site: Site, rel: str, text: str, scan: _Scan) -> None:
    """Tokenise the page: balance its tags, collect ids, check each link as it goes."""
    stack: list[tuple[str, int]] = []
    id_lines: dict[str, int] = {}
    position, line = 0, 1
    index = 0
    while True:
        match = _TOKEN.search(text, index)
        if match is None:
            break
        line += text.count("\n", position, match.start())
        position = match.start()
        index = match.end()
        name = match.group(2)
        if name is None:
            continue
        name = name.lower()
        if match.group(1):
            _close(stack, name, line, scan)
            continue
        attrs = match.group(3)
        if attrs and "=" in attrs:
            _attributes(site, scan, name, attrs, line, id_lines)
        self_closing = attrs.rstrip().endswith("/")
        if name in _VOID or self_closing:
            continue
        _open(stack, name, line)
        if name in _RAW_TEXT:
            end = _RAW_END[name].search(text, index)
            index = len(text) if end is None else end.start()
    for name, opened in stack:
        if name not in _OPTIONAL_END:
            scan.problems.append(_problem(rel, opened, f"<{name}> is never closed"))


def _open(stack: list[tuple[str, int]], name: str, line: int) -> None:
    """Push a start tag, first closing what HTML closes implicitly (<p> before a block...)."""
    implied = _SIBLINGS.get(name, set())
    while stack and (stack[-1][0] in implied or (stack[-1][0] == "p" and name in _CLOSES_P)):
        stack.pop()
    stack.append((name, line))


def _close(stack: list[tuple[str, int]], name: str, line: int, scan: _Scan) -> None:
    """Pop an end tag; a mismatch is a problem unless only optional end tags are skipped."""
    if name in _VOID:
        return
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == name:
            skipped = [entry for entry in stack[depth + 1 :] if entry[0] not in _OPTIONAL_END]
            for open_name, opened in skipped:
                scan.problems.append(
                    _problem(
                        scan.rel, line, f"</{name}> closes <{open_name}> (line {opened}) too early"
                    )
                )
            del stack[depth:]
            return
    if name not in _OPTIONAL_END or name == "p":
        scan.problems.append(_problem(scan.rel, line, f"</{name}> has no matching <{name}>"))


def _attributes(
    site: Site, scan: _Scan, tag: str, attrs: str, line: int, id_lines: dict[str, int]
) -> None:
    """Record the id and check the link attributes of one start tag."""
    rel_canonical = False
    href = None
    for match in _ATTR.finditer(attrs):
        key = match.group(1).lower()
        value = _value(match)
        if key == "id" and value is not None:
            first = id_lines.setdefault(value, line)
            if value in scan.ids:
                scan.problems.append(
                    _problem(scan.rel, line, f"id '{value}' is used twice (first at line {first})")
                )
            scan.ids.add(value)
        elif key == "rel" and value and "canonical" in value.split():
            rel_canonical = True
        elif key in _LINK_ATTRS and value is not None:
            href = value if key == "href" else href
            _check_link(site, scan, value, line)
        elif key == "srcset" and value:
            for candidate in value.split(","):
                if candidate.strip():
                    _check_link(site, scan, candidate.split()[0], line)
    if tag == "link" and rel_canonical and href:
        scan.canonical = href


def _value(match: re.Match[str]) -> str | None:
    """Return an attribute's value with the few entities URLs and ids use decoded."""
    raw = next((g for g in match.groups()[1:] if g is not None), None)
    if raw is None or "&" not in raw:
        return raw
    return html.unescape(raw)


def _check_link(site: Site, scan: _Scan, href: str, line: int) -> None:
    """Check that an internal link or image reference points at a file of the site."""
    href = href.strip()
    if not href or href.lower().startswith(_EXTERNAL_SCHEMES):
        return
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        if f"{parts.scheme}://{parts.netloc}" != site.origin and not (
            not parts.scheme and "//" + parts.netloc == site.origin.split(":", 1)[-1]
        ):
            return  # another site
        path = parts.path or "/"
    elif not parts.path:
        if parts.fragment:
            scan.fragments.append((scan.rel, unquote(parts.fragment), href, line))
        return
    elif parts.path.startswith("/"):
        path = parts.path
    else:
        page_dir = site.base_path + posixpath.dirname(scan.rel)
        path = posixpath.normpath(posixpath.join(page_dir, parts.path))
        path += "/" if parts.path.endswith("/") and not path.endswith("/") else ""
    target = _target(site, unquote(path))
    if target is None:
        scan.problems.append(_problem(scan.rel, line, f"broken link to {href}"))
    elif parts.fragment and target.endswith((".html", ".htm")):
        scan.fragments.append((target, unquote(parts.fragment), href, line))


def _target(site: Site, path: str) -> str | None:
    """Map a URL path to the output file it serves, or None when there is none."""
    if not path.startswith(site.base_path):
        return None
    rel = path[len(site.base_path) :]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    if rel in site.files:
        return rel
    if rel + "/index.html" in site.files:
        return rel + "/index.html"
    return None


def format_summary(problems: Iterable[Problem], pages: int, seconds: float) -> str:
    """Return the one-line verdict of `newsgen check`."""
    count = sum(1 for _ in problems)
    if not count:
        return f"checked {pages} files: no problems ({seconds:.2f} s)"
    return f"checked {pages} files: {count} problems ({seconds:.2f} s)"
