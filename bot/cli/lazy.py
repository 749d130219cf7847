"""A command group that imports a subcommand's module only when that subcommand runs.

``copro --help`` and ``copro --version`` then answer without loading the whole
service: each lazy subcommand carries its one-line summary with it (a test checks
that it matches the command's own).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click


class LazyGroup(click.Group):
    def __init__(
        self, *args: Any, lazy: Mapping[str, tuple[str, str]], anywhere: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        """``lazy`` maps a subcommand's name to ``("module:attribute", "its summary")``;
        ``anywhere`` names the group's own options (each taking a value) that may also be
        given after the subcommand: ``copro run --config copro.toml`` works as
        ``copro --config copro.toml run``."""
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)
        self.anywhere = anywhere

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoisted(args, self.anywhere))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{module}:{attribute} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def summary(self, ctx: click.Context, name: str, limit: int) -> str | None:
        """The one-line summary of ``name``, without importing it if it has not been."""
        if name in self.lazy and name not in self.commands:
            return click.Command(name, help=self.lazy[name][1]).get_short_help_str(limit)
        command = self.get_command(ctx, name)
        if command is None or command.hidden:
            return None
        return command.get_short_help_str(limit)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, text) for name in names if (text := self.summary(ctx, name, limit)) is not None]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def hoisted(args: list[str], options: tuple[str, ...]) -> list[str]:
    """``args`` with ``options`` (and their values) given after the subcommand moved in
    front of it; nothing after ``--`` is touched."""
    if not options:
        return args
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.partition("=")[0]
        if rest and name in options:
            taken = 1 if "=" in arg else 2
            front += args[i:i + taken]
            i += taken
            continue
        (front if not rest and arg.startswith("-") else rest).append(arg)
        if not rest and name in options and "=" not in arg and i + 1 < len(args):
            front.append(args[i + 1])
            i += 1
        i += 1
    return front + rest
