"""The one error type the IESO report parsers raise for bad input."""

from __future__ import annotations

__all__ = ["ReportFormatError"]


class ReportFormatError(ValueError):
    """A report file cannot be read as the expected IESO format.

    The message says where (file, line, column or element) and what is wrong, so an operator can act on
    it without opening a debugger, e.g.::

        PUB_Demand_2024.csv, line 17, column 'Ontario Demand': 'abc' is not a number
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: str | None = None,
        element: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.column = column
        self.element = element
        super().__init__(self._compose())

    def _compose(self) -> str:
        where: list[str] = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.element is not None:
            where.append(f"element <{self.element}>")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem
