"""Progress of long runs, on stderr: Rich bars on a terminal, a plain line every few seconds
otherwise (logs, CI), nothing with ``--quiet``. Stdout stays for data."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress


class Progress(Protocol):
    """What the executor reports: a stage starts, advances by some units, finishes."""

    def start(self, stage: str, total: int | None = None) -> None: ...

    def advance(self, amount: int) -> None: ...

    def finish(self) -> None: ...


class Silent:
    """No progress (``--quiet``, short runs, library use)."""

    def start(self, stage: str, total: int | None = None) -> None:
        del stage, total

    def advance(self, amount: int) -> None:
        del amount

    def finish(self) -> None:
        pass


class PlainLines:
    """A line every ``every`` seconds while a stage runs and one at its end, for logs and CI;
    stages shorter than that print nothing."""

    def __init__(self, stream: TextIO | None = None, every: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.every = every
        self.stage, self.total, self.done = "", None, 0
        self.started = self.last = 0.0

    def start(self, stage: str, total: int | None = None) -> None:
        self.stage, self.total, self.done = stage, total, 0
        self.started = self.last = time.monotonic()

    def advance(self, amount: int) -> None:
        self.done += amount
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._line(now)

    def finish(self) -> None:
        now = time.monotonic()
        if now - self.started >= self.every:
            self._line(now, done=True)

    def _line(self, now: float, done: bool = False) -> None:
        of = f"/{self.total}" if self.total is not None else ""
        state = "done" if done else "…"
        self.stream.write(
            f"dupfind: {self.stage}: {self.done}{of} ({now - self.started:.0f}s) {state}\n"
        )
        self.stream.flush()


class Bars:
    """Rich progress bars on a terminal's stderr."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.bars: RichProgress | None = None
        self.task = None

    def start(self, stage: str, total: int | None = None) -> None:
        self.bars = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.bars.start()
        self.task = self.bars.add_task(stage, total=total)

    def advance(self, amount: int) -> None:
        if self.bars is not None and self.task is not None:
            self.bars.advance(self.task, amount)

    def finish(self) -> None:
        if self.bars is not None:
            self.bars.stop()
            self.bars = None


def for_stderr(quiet: bool) -> Progress:
    """The reporter that suits this run's stderr."""
    if quiet:
        return Silent()
    if sys.stderr.isatty():
        return Bars()
    return PlainLines()
