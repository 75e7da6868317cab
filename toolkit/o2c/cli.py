"""The ``o2c`` command: parse arguments, call the package, map errors to exit codes.

Exit codes: 0 done, 1 a ``ToolkitError`` or any other failure (one message on stderr, no
traceback unless ``--debug``), 2 a usage error, 130 interrupted (Ctrl-C; a report folder being
written is left as it was).

>>> main(["no-such-command"])  # usage errors print the usage on stderr
2
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence

from o2c._watchdog import INTERRUPTED, add_memory_option, is_out_of_memory, out_of_memory_message, watch
from o2c.errors import ToolkitError

#: Each subcommand: name -> (function adding its arguments, function running it).
Runner = Callable[[argparse.Namespace], int]


def _parser(
    commands: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Runner, str]],
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="o2c", description="Order-to-cash process mining.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    add_memory_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add_arguments, _run, help_text) in commands.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        # (SUPPRESS: without --debug here, the one before the command stands)
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks of errors"
        )
        add_memory_option(command)
        add_arguments(command)
    return parser


def _commands() -> dict[str, tuple[Callable[[argparse.ArgumentParser], None], Runner, str]]:
    from o2c import _cli_assess, _cli_compare, _cli_explore, _cli_inspect, _cli_simulate

    return {
        "assess": (_cli_assess.add_arguments, _cli_assess.run, _cli_assess.HELP),
        "compare": (_cli_compare.add_arguments, _cli_compare.run, _cli_compare.HELP),
        "explore": (_cli_explore.add_arguments, _cli_explore.run, _cli_explore.HELP),
        "inspect": (_cli_inspect.add_arguments, _cli_inspect.run, _cli_inspect.HELP),
        "simulate": (_cli_simulate.add_arguments, _cli_simulate.run, _cli_simulate.HELP),
    }


def console() -> int:
    """The installed ``o2c`` command: ``main`` in a child process that ``o2c._watchdog`` watches."""
    return watch(sys.argv[1:])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``o2c`` command with ``argv`` (default: the process arguments); return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv  # known before the parser, which needs the libraries loaded
    try:
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # the watcher's child: Ctrl-C from now on
            signal.signal(signal.SIGINT, signal.default_int_handler)
        return _run(argv)
    except KeyboardInterrupt:
        if debug:
            raise
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except ToolkitError as error:
        if debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # a failure o2c did not foresee: one line, the traceback with --debug
        if debug:
            raise
        if is_out_of_memory(error):
            print(f"error: {out_of_memory_message()}", file=sys.stderr)
        else:
            print(
                f"error: {type(error).__name__}: {error}\n"
                "  this is a failure o2c did not foresee; rerun with --debug for the traceback and report it",
                file=sys.stderr,
            )
        return 1


def _run(argv: list[str]) -> int:
    commands = _commands()
    parser = _parser(commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return commands[args.command][1](args)


if __name__ == "__main__":
    sys.exit(main())
