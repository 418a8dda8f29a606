"""`python -m bench` runs every benchmark; `python -m bench NAME [OPTIONS]` runs one.

A benchmark is any module of this package with a click `command`, named after the module. Each is
imported only when it runs (or for --help), so one benchmark's import problem never stops another.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

import bench


def module_names() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")
    )


class Benchmarks(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in module_names() if self.get_command(ctx, name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in module_names():
            return None
        command = getattr(importlib.import_module(f"bench.{cmd_name}"), "command", None)
        return command if isinstance(command, click.Command) else None


@click.group(cls=Benchmarks, invoke_without_command=True)
@click.pass_context
def main(context: click.Context) -> None:
    """Fundtrail's benchmarks: results go to bench/results/, figures to docs/benchmarks.md."""
    if context.invoked_subcommand is None:
        group = context.command
        assert isinstance(group, Benchmarks)
        for name in group.list_commands(context):
            click.echo(f"=== {name}")
            benchmark = group.get_command(context, name)
            assert benchmark is not None
            context.invoke(benchmark)


if __name__ == "__main__":
    main(prog_name="python -m bench")
