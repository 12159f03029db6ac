"""The REPL's `:commands`, recorded by a decorator so :help and completion build themselves.

In the manner of litecli's special commands: each command states its name, its arguments and
one line of help where it is defined, and nothing else needs to know it exists.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Command:
    name: str
    arguments: str
    help: str
    handler: Callable
    aliases: tuple[str, ...] = field(default=())
    takes_path: bool = False


REGISTRY: dict[str, Command] = {}


def command(name: str, arguments: str = "", help: str = "", aliases=(), takes_path=False):
    """Register `handler(session, argument_text)` as `:name`."""

    def register(handler: Callable) -> Callable:
        entry = Command(name, arguments, help, handler, tuple(aliases), takes_path)
        for key in (name, *aliases):
            if key in REGISTRY:
                raise ValueError(f":{key} is registered twice")
            REGISTRY[key] = entry
        return handler

    return register


def unique_commands() -> list[Command]:
    seen: dict[str, Command] = {}
    for entry in REGISTRY.values():
        seen.setdefault(entry.name, entry)
    return sorted(seen.values(), key=lambda c: c.name)


def lookup(name: str) -> Command | None:
    return REGISTRY.get(name)


def suggestion(name: str) -> str | None:
    """The registered command nearest to a mistyped one."""
    close = difflib.get_close_matches(name, list(REGISTRY), n=1, cutoff=0.5)
    if close:
        return close[0]
    prefixed = [key for key in REGISTRY if key.startswith(name[:2])] if len(name) >= 2 else []
    return prefixed[0] if len(prefixed) == 1 else None


def help_lines() -> list[str]:
    width = max(len(f":{c.name} {c.arguments}".rstrip()) for c in unique_commands())
    lines = []
    for entry in unique_commands():
        usage = f":{entry.name} {entry.arguments}".rstrip()
        aliases = f" (also :{', :'.join(entry.aliases)})" if entry.aliases else ""
        lines.append(f"  {usage:<{width}}  {entry.help}{aliases}")
    return lines
