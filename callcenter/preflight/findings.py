"""What preflight found: one line per check, ok, a warning or a failure."""

from __future__ import annotations

from dataclasses import dataclass

OK, WARN, FAIL, INFO = "ok", "warn", "FAIL", "info"


@dataclass(frozen=True)
class Finding:
    """One check's outcome and what to do about it."""

    level: str
    text: str
    fix: str = ""

    def lines(self) -> list[str]:
        """Return the finding as readable lines: level, text, and the fix indented."""
        out = [f"  {self.level:<5} {self.text}"]
        if self.fix:
            out += [f"        → {line}" for line in self.fix.splitlines()]
        return out


def ok(text: str) -> Finding:
    return Finding(OK, text)


def warn(text: str, fix: str = "") -> Finding:
    return Finding(WARN, text, fix)


def fail(text: str, fix: str = "") -> Finding:
    return Finding(FAIL, text, fix)


def info(text: str, fix: str = "") -> Finding:
    return Finding(INFO, text, fix)
