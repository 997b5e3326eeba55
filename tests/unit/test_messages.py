"""The Vietnamese catalogue: every problem text in the code has an entry, and printing never breaks."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsgen import messages
from newsgen.cli import main
from newsgen.errors import Problem
from tests.conftest import NOW, article, write_site

PACKAGE = Path(messages.__file__).resolve().parent
_TEXT_PARAMS = {"message", "hint", "problem"}
_ERROR_BASES = {"NewsgenError", "DateError", "SlugError"}


# -- finding every message text in the source ---------------------------------------------------


def _shape(node: ast.expr) -> str | None:
    """Reduce a string expression to a template shape: literal text with '{}' for each value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        parts = [_shape(v) if isinstance(v, ast.Constant) else "{}" for v in node.values]
        return "".join(p or "" for p in parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _shape(node.left), _shape(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    return None


def _param_positions(tree: ast.Module) -> dict[str, dict[int | str, str]]:
    """Map callables that take a message or hint to the argument positions holding them."""
    found: dict[str, dict[int | str, str]] = {
        "Problem": {3: "message", 4: "hint", "message": "message", "hint": "hint"},
        "NewsgenError": {0: "message", 1: "hint", "message": "message", "hint": "hint"},
    }
    for node in ast.walk(tree):
        classes = [node] if isinstance(node, ast.ClassDef) else []
        for cls in classes:
            for item in cls.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    found.setdefault(cls.name, {}).update(_positions(item))
        if isinstance(node, ast.FunctionDef) and node.name != "__init__":
            positions = _positions(node)
            if positions:
                found.setdefault(node.name, {}).update(positions)
    return found


def _positions(func: ast.FunctionDef) -> dict[int | str, str]:
    """Positions (without self) and keywords of a function's message/hint parameters."""
    names = [a.arg for a in func.args.args if a.arg not in ("self", "cls")]
    return {
        **{i: n for i, n in enumerate(names) if n in _TEXT_PARAMS},
        **{n: n for n in names if n in _TEXT_PARAMS},
    }


def _callee(call: ast.Call) -> str:
    """Name the function a call goes to (last part of a dotted name)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Call) and getattr(func.value.func, "id", "") == "super":
            return "super().__init__"
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _resolve(node: ast.expr, scope: ast.AST, tree: ast.Module) -> Iterator[str]:
    """Yield the shapes a message argument can take: literals, f-strings, names, helper returns."""
    shape = _shape(node)
    if shape is not None:
        yield shape
    elif isinstance(node, ast.IfExp):
        yield from _resolve(node.body, scope, tree)
        yield from _resolve(node.orelse, scope, tree)
    elif isinstance(node, ast.Name):
        for holder in (scope, tree):
            for sub in ast.walk(holder):
                if isinstance(sub, ast.Assign | ast.AnnAssign) and sub.value is not None:
                    targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                    if any(isinstance(t, ast.Name) and t.id == node.id for t in targets):
                        yield from _resolve(sub.value, scope, tree)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        for sub in tree.body:
            if isinstance(sub, ast.FunctionDef) and sub.name == node.func.id:
                for ret in ast.walk(sub):
                    if isinstance(ret, ast.Return) and ret.value is not None:
                        yield from _resolve(ret.value, sub, tree)


def source_texts() -> dict[str, str]:
    """Every message and hint shape written in newsgen's source -> where it was found."""
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "messages.py"
    }
    positions: dict[str, dict[int | str, str]] = {}
    for tree in trees.values():
        for name, pos in _param_positions(tree).items():
            positions.setdefault(name, {}).update(pos)
    texts: dict[str, str] = {}
    for path, tree in trees.items():
        for func in ast.walk(tree):  # default hints, e.g. DateError's list of date forms
            if isinstance(func, ast.FunctionDef):
                args = func.args.args[len(func.args.args) - len(func.args.defaults) :]
                for param, default in zip(args, func.args.defaults, strict=True):
                    if param.arg in _TEXT_PARAMS:
                        for shape in _resolve(default, func, tree):
                            texts.setdefault(shape, f"{path.relative_to(PACKAGE)}:{func.lineno}")
        for scope in ast.walk(tree):
            if not isinstance(scope, ast.FunctionDef | ast.Module):
                continue
            for call in ast.walk(scope):
                if not isinstance(call, ast.Call):
                    continue
                pos = _call_positions(call, scope, tree, positions)
                args: list[ast.expr] = [a for i, a in enumerate(call.args) if i in pos]
                args += [k.value for k in call.keywords if k.arg in pos]
                for arg in args:
                    for shape in _resolve(arg, scope, tree):
                        if shape.strip("{} "):
                            texts.setdefault(shape, f"{path.relative_to(PACKAGE)}:{call.lineno}")
    return texts


def _call_positions(
    call: ast.Call, scope: ast.AST, tree: ast.Module, positions: dict[str, dict[int | str, str]]
) -> dict[int | str, str]:
    """Argument positions holding message texts for this call (super() of an error class too)."""
    name = _callee(call)
    if name == "super().__init__":
        for cls in ast.walk(tree):
            if isinstance(cls, ast.ClassDef) and scope in cls.body:
                bases = {getattr(b, "id", "") for b in cls.bases}
                if bases & _ERROR_BASES:
                    return positions["NewsgenError"]
        return {}
    return positions.get(name, {})


def _catalogue_shapes() -> set[str]:
    """The catalogue's English entries reduced to the same shape as source texts."""
    return {
        messages._FIELD_RE.sub(lambda m: m.group(0) if m.group(1) is None else "{}", e)
        for e in messages.CATALOGUE
    }


def test_scanner_finds_the_messages_we_know_about() -> None:
    texts = source_texts()
    assert "front matter is missing" in texts
    assert "{} is not a real date" in texts  # DateError in vietnamese.py
    assert "{} gives an empty slug" in texts  # SlugError's super().__init__
    assert "did you mean '{}'?" in texts  # returned by a helper passed as hint
    assert "must start and end with / and contain {{slug}}" in texts  # via config's bad()
    assert any(t.startswith("write 2025-04-22, ") for t in texts)  # a default hint


def test_every_message_in_the_source_has_a_vietnamese_entry() -> None:
    shapes = _catalogue_shapes()
    missing = {
        text: where
        for text, where in source_texts().items()
        if text not in shapes
        and messages.lookup(text.replace("{}", "x").replace("{{", "{").replace("}}", "}")) is None
    }
    assert missing == {}, "add these to newsgen/messages.py CATALOGUE: " + repr(missing)


# -- translating --------------------------------------------------------------------------------


def test_the_issue_example_reads_in_vietnamese() -> None:
    problem = Problem(
        "content/thoi-su/bao.md", 3, "date", "'30/02/2025' is not a real date", "write 28/02/2025"
    )
    assert problem.format("vi") == (
        "content/thoi-su/bao.md:3: date: ngày '30/02/2025' không tồn tại (hãy viết 28/02/2025)"
    )
    assert problem.format("en") == (
        "content/thoi-su/bao.md:3: date: '30/02/2025' is not a real date (write 28/02/2025)"
    )
    assert problem.format() == problem.format("en")


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        ("must be text, not a number 12", "phải là chữ, không phải một con số 12"),
        (
            "write the title after 'title:' or remove the line",
            "viết title sau 'title:' hoặc xóa dòng này",
        ),
        ("category is missing", "thiếu category"),
        ("the content/ folder is missing", "thiếu thư mục content/"),
        (
            "put the file under static/ or fix the name",
            "đặt tệp trong thư mục static/ hoặc sửa lại tên",
        ),
        ("must be a whole number, not 'nhiều'", "phải là một số nguyên, không phải 'nhiều'"),
        ("unknown {field}", "có {trường} không biết"),
        ('e.g. captions:\n  anh-1.jpg: "Chú thích"', 'ví dụ: captions:\n  anh-1.jpg: "Chú thích"'),
        ("3 errors in 2 files; nothing written", "3 lỗi trong 2 tệp; chưa ghi gì"),
    ],
)
def test_values_and_inner_phrases_are_carried_over(english: str, vietnamese: str) -> None:
    assert messages.translate(english, "vi") == vietnamese


@pytest.mark.parametrize("text", ["a brand new message nobody translated", "{x} {", "", "}}{{"])
def test_unknown_texts_fall_back_to_english(text: str) -> None:
    assert messages.translate(text, "vi") == text


def test_only_vietnamese_codes_translate() -> None:
    assert messages.translate("unknown key", "vi-VN") == "khóa không có trong danh sách"
    assert messages.translate("unknown key", "en") == "unknown key"
    assert messages.translate("unknown key", "fr") == "unknown key"


def test_warnings_are_labelled_in_vietnamese() -> None:
    problem = Problem(
        "content/a.md", 4, "catagory", "unknown key, ignored", "did you mean 'category'?", True
    )
    assert problem.format("vi") == (
        "content/a.md:4: cảnh báo: catagory: khóa không có trong danh sách, đã bỏ qua "
        "(có phải ý bạn là 'category'?)"
    )


# -- the command line ---------------------------------------------------------------------------


def _broken_site(root: Path, language: str | None) -> Path:
    config = "title: T\nbase_url: https://bao.example/\n"
    if language:
        config += f"language: {language}\n"
    return write_site(root, {"content/thoi-su/bao.md": article(date="30/02/2025")}, config)


def _build(site: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = main([*extra, "build", "--site", str(site), "--now", NOW, "--jobs", "1"])
    assert code == 1
    return capsys.readouterr().err


def test_vietnamese_site_prints_vietnamese_unless_lang_en(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _broken_site(tmp_path / "vi", None)
    assert _build(root, capsys).splitlines() == [
        "content/thoi-su/bao.md:3: date: ngày '30/02/2025' không tồn tại (hãy viết 28/02/2025)",
        "1 lỗi trong 1 tệp; chưa ghi gì",
    ]
    english = _build(root, capsys, "--lang", "en")
    assert "'30/02/2025' is not a real date (write 28/02/2025)" in english


def test_other_languages_print_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _broken_site(tmp_path / "en", "en")
    assert "is not a real date" in _build(root, capsys)
    assert "không tồn tại" in _build(root, capsys, "--lang", "vi")
