"""The ``o2c`` command: parse arguments, call the package, map errors to exit codes.

Exit codes: 0 done, 1 a ``ToolkitError`` or any other failure (one message on stderr, no
traceback unless ``--debug``), 2 a usage error, 130 interrupted (Ctrl-C; a report folder being
written is left as it was).

>>> main(["no-such-command"])  # usage errors print the usage on stderr
2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from o2c.errors import ToolkitError

#: Each subcommand: name -> (function adding its arguments, function running it).
Runner = Callable[[argparse.Namespace], int]


def _parser(
    commands: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Runner, str]],
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="o2c", description="Order-to-cash process mining.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add_arguments, _run, help_text) in commands.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        # (SUPPRESS: without --debug here, the one before the command stands)
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks of errors"
        )
        add_arguments(command)
    return parser


def _commands() -> dict[str, tuple[Callable[[argparse.ArgumentParser], None], Runner, str]]:
    from o2c import _cli_assess, _cli_inspect, _cli_simulate

    return {
        "assess": (_cli_assess.add_arguments, _cli_assess.run, _cli_assess.HELP),
        "inspect": (_cli_inspect.add_arguments, _cli_inspect.run, _cli_inspect.HELP),
        "simulate": (_cli_simulate.add_arguments, _cli_simulate.run, _cli_simulate.HELP),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``o2c`` command with ``argv`` (default: the process arguments); return the exit code."""
    commands = _commands()
    parser = _parser(commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return commands[args.command][1](args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("interrupted; a report folder being written was left as it was", file=sys.stderr)
        return 130
    except ToolkitError as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
    except MemoryError:
        if args.debug:
            raise
        print(
            "error: out of memory; for a log larger than memory see o2c.scan_log (README, Scale)",
            file=sys.stderr,
        )
        return 1
    except Exception as error:  # a failure o2c did not foresee: one line, the traceback with --debug
        if args.debug:
            raise
        print(
            f"error: {type(error).__name__}: {error}\n"
            "  this is a failure o2c did not foresee; rerun with --debug for the traceback and report it",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
