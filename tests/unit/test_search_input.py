"""What Pagefind reads of a page: the elements it ignores are left out, and nothing else."""

from __future__ import annotations

from newsgen.search_input import indexed_digest, without_ignored

PAGE = """<!doctype html><html lang="vi"><head><title>Bão số 3</title>
<script type="application/ld+json">{"headline": "Bão số 3"}</script></head><body>
<article data-pagefind-body>
  <nav class="breadcrumb" data-pagefind-ignore><a href="/">Trang chủ</a></nav>
  <h1>Bão số 3</h1><p>Gió giật cấp 12.</p>
  <nav class="xem-them" data-pagefind-ignore><ul><li><a href="/a/">{related}</a></li></ul></nav>
</article></body></html>"""


def _page(related: str = "Bài liên quan", body: str = "Gió giật cấp 12.") -> bytes:
    return PAGE.replace("{related}", related).replace("Gió giật cấp 12.", body).encode()


def test_the_xem_them_list_and_breadcrumb_are_left_out_and_the_article_stays() -> None:
    kept = without_ignored(_page()).decode()
    assert "Bài liên quan" not in kept and "Trang chủ" not in kept
    assert "<h1>Bão số 3</h1><p>Gió giật cấp 12.</p>" in kept
    assert kept.endswith("</article></body></html>")


def test_a_changed_related_list_keeps_the_hash_and_a_changed_body_does_not() -> None:
    assert indexed_digest(_page("Bài khác")) == indexed_digest(_page())
    assert indexed_digest(_page(body="Gió giật cấp 13.")) != indexed_digest(_page())


def test_nested_elements_of_the_same_name_end_where_the_ignored_one_ends() -> None:
    page = b'<div data-pagefind-ignore><div>a</div><DIV>b</DIV></div><p>kept</p>'
    assert without_ignored(page) == b"<p>kept</p>"


def test_a_void_element_loses_only_its_tag() -> None:
    page = b'<p>a<img src="x.jpg" data-pagefind-ignore>b</p>'
    assert without_ignored(page) == b"<p>ab</p>"


def test_doubtful_elements_stay_in() -> None:
    """Where Pagefind might read something, or the markup is unclear, nothing is left out."""
    doubtful = [
        # a filter inside an ignored element is still read by Pagefind
        b'<div data-pagefind-ignore><span data-pagefind-filter="tac-gia">Lan</span></div>',
        # never closed
        b"<div data-pagefind-ignore><p>a</p>",
        # the words are in an attribute's value, not an attribute
        b'<div title="x data-pagefind-ignore y"><p>a</p></div>',
        # inside a script or a comment
        b'<script>var s = "<div data-pagefind-ignore>";</script><p>a</p></div>',
        b"<!-- <div data-pagefind-ignore> --><p>a</p></div>",
        # a start tag that never ends
        b"<p>a</p><div data-pagefind-ignore",
    ]
    for page in doubtful:
        assert without_ignored(page) == page, page
