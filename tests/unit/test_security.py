"""Content is untrusted: YAML, Markdown and URLs that could break the site or its readers are refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgen import markup, yamlsafe
from newsgen.errors import NewsgenError
from newsgen.vietnamese import normalize
from tests.conftest import article, parse_html, text_of, write_site

PACKAGE = Path(__file__).resolve().parents[2] / "newsgen"


def test_no_unsafe_yaml_loader_anywhere_in_the_source() -> None:
    banned = re.compile(r"yaml\.load\(|FullLoader|UnsafeLoader|yaml\.unsafe_load")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if banned.search(line)
    ]
    assert offenders == []


def _error(text: str) -> NewsgenError:
    with pytest.raises(NewsgenError) as caught:
        yamlsafe.load(text, first_line=2)
    return caught.value


def test_alias_bomb_is_refused_at_once_with_its_line() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    assert len(bomb.encode()) < 500
    error = _error(bomb)
    assert "aliases" in error.message and error.line == 3


def test_unused_anchor_duplicate_key_merge_key_and_python_tags_are_errors() -> None:
    assert "anchors" in _error("title: &t Tin\ndate: 2025-01-01").message
    duplicate = _error("title: A\ndate: 2025-01-01\ntitle: B")
    assert duplicate.line == 4 and "given twice" in duplicate.message
    assert "merge keys" in _error("base: 1\n<<: {title: x}").message
    tag = _error("title: !!python/object/apply:os.system [ls]")
    assert "tag" in tag.message and tag.line == 2


def test_hash_in_an_unquoted_title_is_flagged_as_truncation() -> None:
    loaded = yamlsafe.load("title: Tin #1 hôm nay\ndate: 2025-01-01", first_line=2)
    (note,) = loaded.notes
    assert note.field == "title" and note.line == 2 and "'Tin'" in note.message


def test_bad_front_matter_names_file_and_line_and_writes_nothing(site, build) -> None:
    cases = {
        "content/a/bomb.md": "---\ntitle: &t Tin\ndate: 2025-04-22\nsummary: *t\n---\nx\n",
        "content/a/hash.md": "---\ntitle: Tin #1 hôm nay\ndate: 2025-04-22\n---\nx\n",
        "content/a/big.md": "---\ntitle: x\ndate: 2025-04-22\nsummary: '" + "a" * 70000 + "'\n---\n",
        "content/a/js.md": article("Ảnh", image="'javascript:alert(1)'"),
        "content/a/up.md": article("Lên", slug="../../x"),
    }
    root = site(cases)
    code, _out, err = build(root)
    assert code == 1
    assert "content/a/bomb.md:4: summary: YAML anchors and aliases" in err
    assert "content/a/hash.md:2: title: the text after '#' was dropped" in err
    assert "content/a/big.md:1: front matter is over 64 KiB" in err
    assert "content/a/js.md:4: image: javascript: URLs are not allowed" in err
    assert "content/a/up.md:4: slug:" in err
    assert not (root / "public").exists()


def test_file_over_the_size_limit_is_an_error(site, build) -> None:
    root = site(
        {"content/a/long.md": article("Dài", body="chữ " * 400)},
        "title: T\nbase_url: https://bao.example/\nmax_file_size: 1000\n",
    )
    code, _out, err = build(root)
    assert code == 1 and "content/a/long.md:1: the file is" in err and "over the limit" in err


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "&#106;avascript:alert(1)",
        "java%09script:alert(1)",
    ],
)
def test_script_and_data_urls_in_body_links_and_images_are_errors(site, build, url) -> None:
    body = f"Đoạn đầu.\n\n[bấm]({url})\n\n![ảnh]({url}#anh)\n"
    root = site({"content/a/x.md": article("Tin", body=body)})
    code, _out, err = build(root)
    assert code == 1
    assert "content/a/x.md:8: body:" in err and "content/a/x.md:10: body:" in err
    assert "URLs are not allowed" in err


def test_raw_html_is_escaped_by_default_and_tables_get_no_style() -> None:
    renderer = markup.BodyRenderer()
    body = "<script>alert(1)</script>\n\n<b onclick='x' style='color:red'>hi</b>\n\n| a |\n|:-:|\n| 1 |"
    html = renderer.render(body, 1, {}).html
    assert "<script" not in html and "<b " not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"<[^>]*\sstyle=", html) and 'align="center"' in html


def test_safe_mode_keeps_the_allow_list_and_youtube_embeds_only() -> None:
    renderer = markup.BodyRenderer("safe")
    body = (
        "<p onclick='steal()' style='position:fixed' class='x'>chữ <b>đậm</b></p>\n\n"
        "<script>alert(1)</script>\n\n"
        '<iframe src="https://www.youtube.com/embed/abc" width="560" allowfullscreen></iframe>\n\n'
        '<iframe src="https://evil.example/x"></iframe>\n\n'
        "<img src=anh.jpg onerror=alert(1)>"
    )
    result = renderer.render(body, 5, {})
    html = result.html
    assert "<p>chữ <b>đậm</b></p>" in html
    assert "script" not in html and "alert" not in html and "evil" not in html
    assert not re.search(r"\s(on\w+|style|class)=", html)
    assert 'src="https://www.youtube.com/embed/abc"' in html
    removed = dict(result.removed)
    assert removed["<script>"] == 7
    assert removed["the onclick attribute of <p>"] == 5
    assert removed["<iframe> from evil.example"] == 11


def test_safe_mode_removals_are_warnings_and_strict_makes_them_errors(site, build) -> None:
    config = "title: T\nbase_url: https://bao.example/\nmarkdown:\n  raw_html: safe\n"
    root = site({"content/a/x.md": article("Tin", body="<marquee>x</marquee>")}, config)
    code, _out, err = build(root)
    assert code == 0 and "content/a/x.md:6: warning: body: <marquee> was removed" in err
    code, _out, err = build(root, "--strict")
    assert code == 1 and "content/a/x.md:6: body: <marquee> was removed" in err


def test_raw_html_script_urls_are_errors_even_when_allowed(site, build) -> None:
    config = "title: T\nbase_url: https://bao.example/\nmarkdown:\n  raw_html: allow\n"
    body = 'Đầu.\n\n<a href="javascript:alert(1)">x</a>'
    root = site({"content/a/x.md": article("Tin", body=body)}, config)
    code, _out, err = build(root)
    assert code == 1 and "content/a/x.md:8: body: javascript: URLs are not allowed" in err


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("Đầu.\n\n" + "[" * 5000, 7, "too many unmatched '['"),
        ("Đầu.\n\n" + "[a " * 3000, 7, "too many unmatched '['"),
        ("".join("    " * i + "- mục\n" for i in range(400)), 38, "nested more than"),
        (">" * 3000 + " trích", 5, "nested more than"),
    ],
)
def test_pathological_bodies_give_an_error_with_a_line_not_a_hang(body, line, message) -> None:
    with pytest.raises(markup.RenderError) as caught:
        markup.BodyRenderer().render(body, 5, {})
    assert message in caught.value.message and caught.value.line == line


def test_ordinary_brackets_and_many_links_still_render() -> None:
    body = "[Ảnh minh họa] " * 300 + "\n\n" + "[liên kết](https://a.example/) " * 300
    html = markup.BodyRenderer().render(body, 1, {}).html
    assert html.count("<a href=") == 300 and "[Ảnh minh họa]" in html


_TITLE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=40
).filter(lambda t: normalize(t).strip() != "")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.one_of(_TITLE, st.sampled_from(['<b>"Tôm" & \'cua\'</b>', "a</title><script>x"])))
def test_any_title_round_trips_into_the_page_exactly(tmp_path_factory, title: str) -> None:
    from newsgen.cli import main

    root = write_site(
        tmp_path_factory.mktemp("site"),
        {"content/a/x.md": f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: 2025-04-22\nslug: x\n---\nBài.\n"},
    )
    code = main(["--lang", "en", "build", "--site", str(root), "--now", "2025-05-01T00:00:00+07:00", "--jobs", "1"])
    assert code == 0
    expected = normalize(title).strip()
    tree = parse_html(root / "public/a/x/index.html")
    assert "".join(tree.find(".//h1").itertext()) == expected
    assert "".join(tree.find(".//title").itertext()) == f"{expected} - Báo Thử"
    for script in tree.findall(".//script[@type='application/ld+json']"):
        data = json.loads(script.text)
        assert data.get("headline", expected) == expected
    assert text_of(tree.find(".//h1")) == " ".join(expected.split())
