"""Check a built site the way a reader's browser would: every link lands, every page parses."""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import multiprocessing
import os
import pickle
import posixpath
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import errors
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
    assumed: tuple[str, ...] = ()  # output folders taken as present (the search index, unbuilt)


# (URL path, or "" for the page itself; href as written; line; #fragment or "")
Link = tuple[str, str, int, str]


@dataclass
class _Scan:
    """What one page scan found on its own: problems, ids, canonical URL and every internal link.

    Everything here depends only on the page's bytes and the base URL, so it can be kept between
    checks while the page is unchanged; whether its links land is decided afresh every check.
    """

    rel: str
    problems: list[Problem] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    links: list[Link] = field(default_factory=list)
    canonical: str | None = None


def check_site(
    root: Path,
    base_url: str,
    jobs: int = 1,
    hashes: Mapping[str, str] | None = None,
    memory: Path | None = None,
    assumed: tuple[str, ...] = (),
) -> list[Problem]:
    """Check every file under `root`; return the problems, in file and line order.

    `hashes` (output path -> SHA-256, from the build's manifest) lists the files without walking
    the folder and lets `memory` (a folder) keep each page's scan: only pages whose bytes changed
    are read again, while every link of every page is resolved against today's files.
    """
    if hashes is None:
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        memory = None
    else:
        files = sorted(hashes)
    parts = urlsplit(base_url)
    base_path = parts.path if parts.path.endswith("/") else parts.path + "/"
    origin = f"{parts.scheme}://{parts.netloc}"
    site = Site(root, base_path or "/", origin, frozenset(files), assumed)
    store = _Memory(memory, _context(site)) if memory is not None else None
    verdict = _digest(hashes) if hashes is not None else ""
    if store is not None and (known := store.verdict(verdict)) is not None:
        return known
    pages = [f for f in files if f.endswith((".html", ".htm", ".xml"))]
    old = store.scans() if store is not None else {}
    assert hashes is not None or not old
    todo = [rel for rel in pages if hashes is None or old.get(rel, ("", None))[0] != hashes[rel]]
    fresh = {scan.rel: scan for scan in _scan_all(site, todo, jobs)}
    scans = [fresh[rel] if rel in fresh else old[rel][1] for rel in pages]
    problems = _case_collisions(files) + _links(site, scans)
    problems = sorted(set(problems))
    if store is not None and hashes is not None:
        store.save(verdict, problems, {s.rel: (hashes[s.rel], s) for s in scans})
    return problems


def _links(site: Site, scans: Sequence[_Scan]) -> list[Problem]:
    """Resolve every link against today's files and ids; add duplicate canonical URLs."""
    ids = {scan.rel: scan.ids for scan in scans}
    targets: dict[str, str | None] = {}
    canonical: dict[str, str] = {}
    problems: list[Problem] = []
    for scan in scans:
        problems += scan.problems
        for path, href, line, fragment in scan.links:
            if path == "":  # '#id' on the page itself
                target: str | None = scan.rel
            elif path in targets:
                target = targets[path]
            else:
                target = targets[path] = _target(site, path)
            if target is None:
                problems.append(_problem(scan.rel, line, f"broken link to {href}"))
            elif fragment and _missing_id(ids, target, fragment):
                problems.append(
                    _problem(scan.rel, line, f"link to {href}: no id '{fragment}' there")
                )
        if scan.canonical:
            first = canonical.setdefault(scan.canonical, scan.rel)
            if first != scan.rel:
                problems.append(
                    _problem(scan.rel, 0, f"same canonical URL {scan.canonical} as {first}")
                )
    return problems


def _missing_id(ids: Mapping[str, set[str]], target: str, fragment: str) -> bool:
    """Tell whether `#fragment` names no element of the HTML page `target`."""
    return target.endswith((".html", ".htm")) and target in ids and fragment not in ids[target]


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


# -- what the last check saw, kept between checks ------------------------------------------------

_VERDICT = "verdict.json"
_SCANS = "scans.pickle"
_FORMAT = 1


def _context(site: Site) -> str:
    """Hash what a scan depends on besides the page: this module, the problem type, the URLs."""
    digest = hashlib.sha256(f"{_FORMAT}\0{site.base_path}\0{site.origin}\0{site.assumed!r}\0".encode())
    for module in (__file__, errors.__file__):
        with contextlib.suppress(OSError):
            digest.update(Path(module).read_bytes())
    return digest.hexdigest()


def _digest(hashes: Mapping[str, str]) -> str:
    """Hash the whole output: every file's path and SHA-256."""
    digest = hashlib.sha256()
    for rel in sorted(hashes):
        digest.update(f"{rel}\0{hashes[rel]}\n".encode())
    return digest.hexdigest()


class _Memory:
    """The last check's verdict and page scans, in a folder; a damaged or stale one is ignored."""

    def __init__(self, folder: Path, context: str) -> None:
        self.folder = folder
        self.context = context

    def verdict(self, output: str) -> list[Problem] | None:
        """Return the last verdict if it was given on exactly this output by this checker."""
        try:
            saved = json.loads((self.folder / _VERDICT).read_text(encoding="utf-8"))
            if saved["context"] != self.context or saved["output"] != output:
                return None
            return [Problem(*row) for row in saved["problems"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def scans(self) -> dict[str, tuple[str, _Scan]]:
        """Return the last check's scans by page, with the SHA-256 of the bytes scanned."""
        try:
            with open(self.folder / _SCANS, "rb") as handle:
                saved = pickle.load(handle)  # noqa: S301 - our own file in the site's .newsgen
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            return {}
        if not isinstance(saved, dict) or saved.get("context") != self.context:
            return {}
        scans = saved.get("scans")
        return scans if isinstance(scans, dict) else {}

    def save(self, output: str, problems: list[Problem], scans: dict[str, tuple[str, _Scan]]) -> None:
        """Write scans, then the verdict, each atomically; failing to write only costs time."""
        rows = [[p.path, p.line, p.field, p.message, p.hint, p.warning] for p in problems]
        verdict = {"context": self.context, "output": output, "problems": rows}
        blob = pickle.dumps({"context": self.context, "scans": scans}, protocol=5)
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / _VERDICT).unlink(missing_ok=True)
            _replace(self.folder / _SCANS, blob)
            _replace(self.folder / _VERDICT, json.dumps(verdict, sort_keys=True).encode())


def _replace(path: Path, data: bytes) -> None:
    """Write a file under a temporary name and rename it into place."""
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


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
    """Record an internal link or image reference: its URL path on this site and its fragment."""
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
        if parts.fragment:  # '#id' on this page
            scan.links.append(("", sys.intern(href), line, unquote(parts.fragment)))
        return
    elif parts.path.startswith("/"):
        path = parts.path
    else:
        page_dir = site.base_path + posixpath.dirname(scan.rel)
        path = posixpath.normpath(posixpath.join(page_dir, parts.path))
        path += "/" if parts.path.endswith("/") and not path.endswith("/") else ""
    fragment = unquote(parts.fragment) if parts.fragment else ""
    scan.links.append((sys.intern(unquote(path)), sys.intern(href), line, fragment))


def _target(site: Site, path: str) -> str | None:
    """Map a URL path to the output file it serves, or None when there is none."""
    if not path.startswith(site.base_path):
        return None
    rel = path[len(site.base_path) :]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    if site.assumed and rel.startswith(site.assumed):
        return rel
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
