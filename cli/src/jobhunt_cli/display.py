"""How ``jobhunt up`` shows itself: a live table on a terminal, plain log lines elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table

from jobhunt_cli.supervisor import Child, ChildState, Reporter

_STYLE = {
    ChildState.READY: "green",
    ChildState.DEGRADED: "yellow",
    ChildState.STARTING: "cyan",
    ChildState.RESTARTING: "red",
    ChildState.STOPPING: "magenta",
}


def _status_table(children: Sequence[Child]) -> Table:
    table = Table(title="jobhunt stack", title_justify="left")
    for column in ("service", "state", "pid", "restarts", "detail"):
        table.add_column(column)
    for child in children:
        style = _STYLE.get(child.state, "")
        table.add_row(
            child.name,
            f"[{style}]{child.state}[/]" if style else str(child.state),
            str(child.pid or ""),
            str(child.restarts),
            child.detail,
        )
    return table


class LiveReporter(Reporter):
    """A rich Live table redrawn on each change; events print above it."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = Live(_status_table([]), console=console, auto_refresh=False, transient=False)

    def __enter__(self) -> LiveReporter:
        self.live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.live.__exit__(exc_type, exc, tb)

    def update(self, children: Sequence[Child]) -> None:
        self.live.update(_status_table(children), refresh=True)

    def event(self, message: str) -> None:
        self.console.print(message)


class PlainReporter(Reporter):
    """One timestamped line per state change or event (for logs and pipes)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._last: dict[str, ChildState] = {}

    def line(self, message: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.console.print(f"{stamp} {message}", markup=False, highlight=False, soft_wrap=True)

    def update(self, children: Sequence[Child]) -> None:
        for child in children:
            if self._last.get(child.name) != child.state and child.state is not ChildState.WAITING:
                self._last[child.name] = child.state
                # Readiness and restarts come as events, with more to say.
                if child.state not in {ChildState.READY, ChildState.RESTARTING}:
                    self.line(f"{child.name}: {child.state} {child.detail}".rstrip())

    def event(self, message: str) -> None:
        self.line(message)
