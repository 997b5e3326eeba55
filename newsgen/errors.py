"""Problems found in content or config, reported as `path:line: field: problem (hint)`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Language problems are printed in when format() is given none; the CLI sets it per run.
LANG = "en"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file: enough to point a journalist at the line and the fix."""

    path: str
    line: int
    field: str
    message: str
    hint: str = ""
    warning: bool = False

    def format(self, lang: str | None = None) -> str:
        """Render as the one-line message printed to the terminal and shown in the overlay."""
        from .messages import translate  # the catalogue: Vietnamese when lang (or LANG) is vi

        lang = lang or LANG
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" {self.field}:" if self.field else ""
        hint = f" ({translate(self.hint, lang)})" if self.hint else ""
        kind = f" {translate('warning', lang)}:" if self.warning else ""
        return f"{where}:{kind}{field} {translate(self.message, lang)}{hint}"


class NewsgenError(Exception):
    """A single user-facing problem raised deep inside a stage; callers turn it into a Problem."""

    def __init__(self, message: str, hint: str = "", field: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field
        self.line = line

    def __reduce__(self) -> tuple[type, tuple[str, str, str, int]]:
        """Survive the trip back from a worker process with every field."""
        return (type(self), (self.message, self.hint, self.field, self.line))

    def at(self, path: str, line: int | None = None, field: str | None = None) -> Problem:
        """Attach the file (and line) this error belongs to."""
        return Problem(
            path,
            self.line if line is None else line,
            self.field if field is None else field,
            self.message,
            self.hint,
        )


class BuildFailed(Exception):
    """The build found errors; nothing was written. Carries every problem, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        errors = [p for p in self.problems if not p.warning]
        files = {p.path for p in errors}
        super().__init__(f"{len(errors)} errors in {len(files)} files; nothing written")

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        """Survive the trip back from a worker process with every problem."""
        return (type(self), (self.problems,))

    @property
    def errors(self) -> list[Problem]:
        """Only the problems that are errors, in file/line order."""
        return [p for p in self.problems if not p.warning]
