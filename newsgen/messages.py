"""The Vietnamese message catalogue: every English problem text, translated when it is printed.

Problems are created in English all over the code (so tests and logs stay stable); a Vietnamese
site prints them through this one table. Each key is the English text with `{name}` where a value
goes (`{name:frag}` when the value is itself a known English phrase, see FRAGMENTS; `{{` and `}}`
are literal braces); each value is the Vietnamese text using the same names. A text that matches
no entry is printed in English, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

#: Languages the catalogue speaks, besides English.
LANGUAGES = ("vi",)

#: English phrases that appear inside other messages (YAML types, config types, places).
FRAGMENTS: dict[str, str] = {
    "true/false": "đúng/sai (true/false)",
    "a number": "một con số",
    "nothing": "giá trị rỗng",
    "a list": "một danh sách",
    "a mapping": "một bảng khóa",
    "str": "chữ",
    "text": "chữ",
    "a URL": "một địa chỉ URL",
    "a language code such as vi": "một mã ngôn ngữ như vi",
    "a time zone such as Asia/Ho_Chi_Minh": "một múi giờ như Asia/Ho_Chi_Minh",
    "a theme name": "tên một giao diện",
    "a whole number": "một số nguyên",
    "a pattern such as /{category}/{slug}/": "một mẫu như /{category}/{slug}/",
    "old, new or keep": "old, new hoặc keep",
    "a number of bytes": "một số byte",
    "escape, allow or safe": "escape, allow hoặc safe",
    "full, headlines or off": "full, headlines hoặc off",
    "a path word": "một từ đường dẫn",
    "{category}, {slug}, {year}, {month}, {day}": "{category}, {slug}, {year}, {month}, {day}",
    "under static/": "trong thư mục static/",
    "next to the article": "cạnh tệp bài viết",
}

#: English text -> Vietnamese text. When several match, the one with the most literal text wins.
CATALOGUE: dict[str, str] = {
    # -- the frame around every problem
    "warning": "cảnh báo",
    "{errors} errors in {files} files; nothing written": "{errors} lỗi trong {files} tệp; chưa ghi gì",
    # -- the build cache
    "its body is missing from the build cache (deleted or changed during the build)": (
        "thân bài của nó không còn trong bộ nhớ đệm của bản dựng (bị xoá hoặc bị đổi khi đang dựng)"
    ),
    "build again; if it happens again, build once with --no-cache": (
        "dựng lại; nếu vẫn lỗi, dựng một lần với --no-cache"
    ),
    "the file changed while the build was reading it": "tệp bị thay đổi trong khi bản dựng đang đọc nó",
    "build again once it is saved": "dựng lại sau khi tệp đã được lưu xong",
    # -- front matter: its shape
    "front matter is missing": "thiếu phần đầu bài (front matter)",
    "start the file with a line '---', then 'title:' and 'date:' lines, then '---'": (
        "mở đầu tệp bằng một dòng '---', rồi các dòng 'title:' và 'date:', rồi một dòng '---'"
    ),
    "the first line must be exactly '---'": "dòng đầu tiên phải đúng là '---'",
    "put the title on the next line": "đặt tiêu đề ở dòng tiếp theo",
    "front matter is over 64 KiB": "phần đầu bài dài quá 64 KiB",
    "move long text into the body": "chuyển đoạn chữ dài xuống thân bài",
    "front matter is not closed": "phần đầu bài chưa được đóng lại",
    "add a line '---' after the last key": "thêm một dòng '---' sau khóa cuối cùng",
    "front matter must be 'key: value' lines": "phần đầu bài phải gồm các dòng 'khóa: giá trị'",
    "unknown key, ignored": "khóa không có trong danh sách, đã bỏ qua",
    "did you mean '{key}'?": "có phải ý bạn là '{key}'?",
    "see the README for the keys": "xem danh sách khóa trong README",
    "{key} is missing": "thiếu {key}",
    "add a line: {example}": "thêm một dòng: {example}",
    # -- front matter: values
    "is empty": "đang để trống",
    "write the {key} after '{key}:' or remove the line": "viết {key} sau '{key}:' hoặc xóa dòng này",
    "must be text, not {type:frag} {value}": "phải là chữ, không phải {type} {value}",
    "put the {key} in quotes": "đặt {key} trong dấu ngoặc kép",
    "put it in quotes": "đặt nó trong dấu ngoặc kép",
    "put the whole value in quotes": "đặt cả giá trị trong dấu ngoặc kép",
    "{scheme}: URLs are not allowed": "không được dùng địa chỉ {scheme}:",
    "link to an http(s) address or a file": "hãy liên kết tới một địa chỉ http(s) hoặc một tệp",
    "must be a list, not one text": "phải là một danh sách, không phải một đoạn chữ",
    "write {key}: [{value}] or one '- item' per line": (
        "hãy viết {key}: [{value}] hoặc mỗi mục một dòng '- mục'"
    ),
    "must be a list, not {type:frag}": "phải là một danh sách, không phải {type}",
    "write {key}: [a, b]": "hãy viết {key}: [a, b]",
    "item {item} was read as {type:frag}, not text": "mục {item} bị đọc thành {type}, không phải chữ",
    "must be true or false, not {value}": "phải là true hoặc false, không phải {value}",
    "must be a mapping of image file name to caption": (
        "phải là danh sách 'tên tệp ảnh: chú thích'"
    ),
    "the caption of {name} must be text": "chú thích của {name} phải là chữ",
    # -- YAML
    "YAML could not read this: {detail}": "YAML không đọc được: {detail}",
    "YAML could not read this line": "không đọc được dòng này",
    "check the quotes and colons": "kiểm tra dấu ngoặc kép và dấu hai chấm",
    "check the indentation, quotes and colons": (
        "kiểm tra thụt đầu dòng, dấu ngoặc kép và dấu hai chấm"
    ),
    "YAML anchors and aliases (& and *) are not allowed in front matter": (
        "không được dùng & và * (anchor, alias của YAML) trong phần đầu bài"
    ),
    "write the value out in full": "viết đầy đủ giá trị",
    "YAML merge keys (<<) are not allowed": "không được dùng khóa gộp << của YAML",
    "write the keys out": "viết đầy đủ từng khóa",
    "a key must be plain text": "khóa phải là chữ thường, không ngoặc",
    "remove the brackets or quotes": "bỏ dấu ngoặc hoặc dấu ngoặc kép",
    "'{key}' is given twice": "'{key}' được viết hai lần",
    "keep one '{key}:' line (first at line {line})": (
        "chỉ giữ một dòng '{key}:' (dòng đầu tiên ở dòng {line})"
    ),
    "the text after '#' was dropped: YAML read only '{value}'": (
        "phần chữ sau dấu '#' bị mất: YAML chỉ đọc được '{value}'"
    ),
    # -- the file
    "the file is {size} bytes, over the limit of {limit}": (
        "tệp dài {size} byte, quá giới hạn {limit}"
    ),
    "split it, or raise max_file_size in newsgen.yaml": (
        "hãy chia nhỏ bài, hoặc tăng max_file_size trong newsgen.yaml"
    ),
    "not UTF-8: byte 0x{byte} at line {line}, column {column}": (
        "không phải UTF-8: byte 0x{byte} ở dòng {line}, cột {column}"
    ),
    "save the file as UTF-8": "lưu tệp với bảng mã UTF-8",
    "not UTF-8 at byte {byte}": "không phải UTF-8 ở byte {byte}",
    "save as UTF-8": "lưu với bảng mã UTF-8",
    "a combining accent mark is left over": "còn sót một dấu thanh rời (dấu tổ hợp)",
    "retype the word with a Vietnamese keyboard (Unicode)": (
        "gõ lại từ này bằng bộ gõ tiếng Việt (Unicode)"
    ),
    "this looks like text in the old {encoding} encoding": (
        "đoạn này có vẻ được gõ bằng bảng mã cũ {encoding}"
    ),
    "did you mean: {suggestion}": "có phải ý bạn là: {suggestion}",
    "links to a file outside the site": "trỏ tới một tệp nằm ngoài trang",
    "copy the file into content/": "chép tệp vào thư mục content/",
    "copy the file in": "chép tệp vào trong trang",
    "the content/ folder is missing": "thiếu thư mục content/",
    "create it and put articles in it": "tạo thư mục đó và đặt bài viết vào",
    # -- category, slug, URLs
    "add 'category: Thời sự' or put the file in a folder": (
        "thêm 'category: Thời sự' hoặc đặt tệp vào một thư mục chuyên mục"
    ),
    "{text} gives an empty slug": "{text} không tạo được đường dẫn (slug)",
    "the title gives an empty slug": "tiêu đề không tạo được đường dẫn (slug)",
    "add a `slug:` line to the front matter, e.g. slug: tin-moi": (
        "thêm dòng `slug:` vào phần đầu bài, ví dụ slug: tin-moi"
    ),
    "add a line such as slug: tin-moi": "thêm một dòng như slug: tin-moi",
    "write letters and digits": "chỉ viết chữ cái không dấu và chữ số",
    "{slug} is not a valid slug": "{slug} không phải là slug hợp lệ",
    "{url} is also the URL of {other}": "{url} cũng là địa chỉ của {other}",
    "give one of them a different 'slug:'": "đặt 'slug:' khác cho một trong hai bài",
    "{name} names several articles": "{name} trùng với nhiều bài",
    "write the file path instead of the slug": "viết đường dẫn tệp thay cho slug",
    "{name} names no article": "không có bài nào tên {name}",
    "write the path such as content/thoi-su/bai-viet.md, or its slug": (
        "viết đường dẫn như content/thoi-su/bai-viet.md, hoặc slug của bài"
    ),
    "is not a published article of this site": "không phải là bài đã đăng của trang này",
    "give the path of a .md file under content/": "đưa đường dẫn một tệp .md trong content/",
    "two pages would be written to {output} ({first} and {second})": (
        "hai trang sẽ cùng được ghi vào {output} ({first} và {second})"
    ),
    "rename the category, tag or author, or change the path words in newsgen.yaml": (
        "đổi tên chuyên mục, từ khóa hoặc tác giả, hoặc đổi các từ đường dẫn trong newsgen.yaml"
    ),
    "refusing to write {path} outside the output folder": (
        "không ghi {path} ra ngoài thư mục kết quả"
    ),
    "fix the slug or file name": "sửa slug hoặc tên tệp",
    # -- the body
    "too many unmatched '[' (or '<') in this paragraph ({count})": (
        "đoạn này có quá nhiều dấu '[' (hoặc '<') chưa đóng ({count})"
    ),
    "close them, or write \\[ for a literal bracket": (
        "hãy đóng chúng lại, hoặc viết \\[ nếu muốn in dấu ngoặc"
    ),
    "nested more than {levels} levels deep": "lồng nhau quá {levels} tầng",
    "use fewer '>' or less indentation": "dùng ít dấu '>' hơn hoặc thụt đầu dòng ít hơn",
    "the body is nested too deeply to render": "thân bài lồng nhau quá sâu, không dựng được",
    "use fewer nested lists or quotes": "bớt các danh sách hoặc trích dẫn lồng nhau",
    "{what} was removed from the raw HTML": "{what} đã bị gỡ khỏi đoạn HTML thô",
    "markdown.raw_html: safe keeps only an allow-list (see docs/integrity.md)": (
        "markdown.raw_html: safe chỉ giữ những thẻ trong danh sách cho phép (xem docs/integrity.md)"
    ),
    "newsgen could not process this file ({kind}: {detail})": (
        "newsgen không xử lý được tệp này ({kind}: {detail})"
    ),
    "simplify the body around the unusual part, and report it": (
        "đơn giản hóa đoạn thân bài khác thường đó, và báo lại lỗi này"
    ),
    "{path} is not a path of this site": "{path} không phải là đường dẫn của trang này",
    "the file already exists": "tệp này đã có",
    "choose another title, or edit it": "chọn tiêu đề khác, hoặc sửa tệp đã có",
    "use letters or digits in it": "hãy dùng chữ cái hoặc chữ số",
    "the YAML tag {tag} is not allowed": "không được dùng thẻ YAML {tag}",
    "remove the '!' part and write plain text": "bỏ phần '!' và viết chữ thường",
    "the value is nested too deeply": "giá trị lồng nhau quá sâu",
    "use fewer brackets": "dùng ít dấu ngoặc hơn",
    # -- old addresses (aliases) and import
    "{alias} is not a path on this site": "{alias} không phải là đường dẫn trên trang này",
    "{alias} has a '?' or '#' part, which a static site cannot redirect": (
        "{alias} có phần '?' hoặc '#', trang tĩnh không chuyển hướng được"
    ),
    "{alias} leaves the output folder": "{alias} đi ra ngoài thư mục kết quả",
    "{alias} is the home page": "{alias} là trang chủ",
    "{alias} is the article's own URL": "{alias} chính là địa chỉ của bài này",
    "remove it from aliases": "xóa nó khỏi aliases",
    "write the old address as a path such as /2019/05/bai-cu.html or /2019/05/bai-cu/": (
        "viết địa chỉ cũ dạng đường dẫn, như /2019/05/bai-cu.html hoặc /2019/05/bai-cu/"
    ),
    "file not found": "không tìm thấy tệp",
    "give the path of the .xml file": "đưa đường dẫn tới tệp .xml",
    "this is not a WordPress export (WXR) file": "đây không phải tệp xuất của WordPress (WXR)",
    "this is not a readable XML file: {detail}": "không đọc được tệp XML này: {detail}",
    "export it again from WordPress: Tools > Export > Posts": (
        "xuất lại từ WordPress: Công cụ > Xuất > Bài viết"
    ),
    # -- images
    "two different images are named {name}": "hai ảnh khác nhau cùng tên {name}",
    "rename one of them": "đổi tên một trong hai",
    "image {src} not found": "không tìm thấy ảnh {src}",
    "{name} is not an image file (or is damaged)": "{name} không phải tệp ảnh (hoặc đã hỏng)",
    "{name} is not a readable image ({reason})": "không đọc được ảnh {name} ({reason})",
    "{name} is not a JPEG, PNG, WebP or GIF image": "{name} không phải ảnh JPEG, PNG, WebP hay GIF",
    "{name} cannot be read ({reason})": "không đọc được tệp {name} ({reason})",
    "export it again as JPEG, PNG or WebP, or replace the file": (
        "xuất lại ảnh dưới dạng JPEG, PNG hoặc WebP, hoặc thay tệp khác"
    ),
    "put the file {where:frag} or fix the name": "đặt tệp {where} hoặc sửa lại tên",
    "caption for {name}, but the body has no such image": (
        "có chú thích cho {name} nhưng thân bài không có ảnh này"
    ),
    "check the file name": "kiểm tra tên tệp",
    "check the file name and folder": "kiểm tra tên tệp và thư mục",
    # -- dates
    "{value} is not a real date": "ngày {value} không tồn tại",
    "{value} is not a date": "{value} không phải là ngày tháng",
    "{value} has an impossible time-zone offset": "{value} có độ lệch múi giờ không thể có",
    "{value} has an impossible time": "{value} có giờ không thể có",
    "write hours 00-23, minutes 00-59": "giờ viết từ 00 đến 23, phút từ 00 đến 59",
    "the month must be 1 to 12": "tháng phải từ 1 đến 12",
    "dates are day first: write {date}": "ngày viết trước tháng: hãy viết {date}",
    "write 2025-04-22, 2025-04-22 09:07, 2025-04-22T09:07:00+07:00 or 22/04/2025 09:07": (
        "hãy viết 2025-04-22, 2025-04-22 09:07, 2025-04-22T09:07:00+07:00 hoặc 22/04/2025 09:07"
    ),
    "write e.g. +07:00": "hãy viết ví dụ +07:00",
    "bad date format {format}: {detail}": "định dạng ngày sai {format}: {detail}",
    "use the fields {fields}": "dùng các trường {fields}",
    # -- site configuration
    "the config must be a list of 'key: value' lines": (
        "tệp cấu hình phải gồm các dòng 'khóa: giá trị'"
    ),
    "must be a mapping of keys": "phải là một nhóm khóa",
    "unknown key": "khóa không có trong danh sách",
    "check the spelling; see the README for every key": (
        "kiểm tra chính tả; xem mọi khóa trong README"
    ),
    "must be {kind:frag}, not {value}": "phải là {kind}, không phải {value}",
    "unknown time zone {zone}": "múi giờ {zone} không tồn tại",
    "must be at least 1": "phải từ 1 trở lên",
    "must be 0 or more": "phải từ 0 trở lên",
    "{value} is not {choices:frag}": "{value} không phải là {choices}",
    "must start with http:// or https://": "phải bắt đầu bằng http:// hoặc https://",
    "must start and end with / and contain {{slug}}": (
        "phải bắt đầu và kết thúc bằng / và chứa {{slug}}"
    ),
    "unknown {{field}}": "có {{trường}} không biết",
    "use {fields:frag}": "dùng {fields}",
    "theme {name} not found": "không tìm thấy giao diện {name}",
    "put it in themes/{name}/templates/ or use theme: default": (
        "đặt nó trong themes/{name}/templates/ hoặc dùng theme: default"
    ),
    "rendering {url} failed: {detail}": "dựng trang {url} thất bại: {detail}",
    "fix the template": "sửa mẫu trang (template)",
    "internal error: {detail}": "lỗi nội bộ: {detail}",
    "indexing for search failed: {detail}": "lập chỉ mục tìm kiếm thất bại: {detail}",
    "reinstall it with pip install 'pagefind[bin]>=1.5'": (
        "cài lại bằng pip install 'pagefind[bin]>=1.5'"
    ),
    # -- taxonomy names
    "{name} has no letters or digits for its page address": "{name} không có chữ cái hay chữ số để làm địa chỉ trang",
    "write it with letters, e.g. Lễ hội": "hãy viết bằng chữ, ví dụ: Lễ hội",
    # -- newsgen check
    "broken link to {target}": "liên kết hỏng tới {target}",
    "link to {target}: no id '{anchor}' there": "liên kết tới {target}: ở đó không có id '{anchor}'",
    "same URL as {other} except for case": "trùng URL với {other}, chỉ khác chữ hoa/thường",
    "same canonical URL {url} as {other}": "trùng URL chuẩn (canonical) {url} với {other}",
    "not valid UTF-8": "không phải UTF-8 hợp lệ",
    "XML does not parse: {detail}": "XML không đọc được: {detail}",
    "<{tag}> is never closed": "thẻ <{tag}> không được đóng",
    "</{tag}> closes <{other}> (line {line}) too early": "thẻ </{tag}> đóng <{other}> (dòng {line}) quá sớm",
    "</{tag}> has no matching <{other}>": "thẻ </{tag}> không có thẻ <{other}> tương ứng",
    "id '{id}' is used twice (first at line {line})": "id '{id}' được dùng hai lần (lần đầu ở dòng {line})",
    # -- general forms, last: they match many texts
    "e.g. {example}": "ví dụ: {example}",
    "write {example}": "hãy viết {example}",
}

_FIELD_RE = re.compile(r"\{\{|\}\}|\{(\w+)(?::(\w+))?\}")


def _pattern(english: str) -> re.Pattern[str]:
    """Compile an English template into a regex with one named group per value."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _FIELD_RE.finditer(english):
        parts.append(re.escape(english[position : match.start()]))
        position = match.end()
        name, kind = match.group(1), match.group(2)
        if name is None:
            parts.append(re.escape(match.group(0)[0]))
        elif name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>{_group(kind)})")
    parts.append(re.escape(english[position:]))
    return re.compile("".join(parts), re.DOTALL)


def _group(kind: str | None) -> str:
    """Return the regex a value may match: anything, or one of the known fragments."""
    if kind == "frag":
        return "|".join(re.escape(f) for f in sorted(FRAGMENTS, key=len, reverse=True))
    return ".+?"


def _template(text: str) -> str:
    """Turn a catalogue text into a str.format template (fragment kinds dropped)."""
    return _FIELD_RE.sub(
        lambda m: m.group(0) if m.group(1) is None else "{" + m.group(1) + "}", text
    )


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]:
    """Compile the catalogue once."""
    compiled = []
    for english, vietnamese in sorted(CATALOGUE.items(), key=lambda kv: -_literal_length(kv[0])):
        frags = frozenset(m.group(1) for m in _FIELD_RE.finditer(english) if m.group(2) == "frag")
        compiled.append((_pattern(english), _template(vietnamese), frags))
    return tuple(compiled)


def _literal_length(english: str) -> int:
    """Measure how specific an entry is: the characters it fixes (sorted() keeps ties in order)."""
    return len(_FIELD_RE.sub("", english))


def lookup(text: str) -> str | None:
    """Return the Vietnamese for an English text, or None when the catalogue has no entry."""
    if not text:
        return text
    for pattern, template, frags in _compiled():
        match = pattern.fullmatch(text)
        if match:
            values = {
                k: FRAGMENTS.get(v, v) if k in frags else v for k, v in match.groupdict().items()
            }
            return template.format(**values)
    return None


def translate(text: str, lang: str = "vi") -> str:
    """Translate a message or hint into `lang`; English (or an unknown text) comes back unchanged."""
    if not wants_vietnamese(lang):
        return text
    try:
        found = lookup(text)
    except (KeyError, IndexError, ValueError):  # a broken entry must never hide the problem
        found = None
    return text if found is None else found


def wants_vietnamese(lang: str | None) -> bool:
    """Tell whether a language code (vi, vi-VN, vi_VN) asks for Vietnamese messages."""
    return bool(lang) and str(lang).lower().replace("_", "-").split("-")[0] == "vi"


def site_language(site_dir: Path) -> str:
    """Return the language messages should use for a site: its `language:`, else Vietnamese."""
    from .config import load_config
    from .errors import BuildFailed

    try:
        return load_config(site_dir).language
    except (BuildFailed, OSError):  # a broken config is reported later, in the default language
        return "vi"


def english_templates() -> Iterator[str]:
    """Yield every English template, for the coverage test and the docs."""
    yield from CATALOGUE
