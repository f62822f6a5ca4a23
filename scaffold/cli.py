"""The command line: wires the subcommands in scaffold/commands/ together. Nothing else imports this module.

Heavy libraries (copier, tree-sitter, pglast) are imported inside the handlers so `scaffold --help` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any, NoReturn

from scaffold import __version__
from scaffold.commands import (
    catalogue,
    demo,
    init,
    new_endpoint,
    new_event,
    new_integration,
    new_job,
    new_service,
    remove,
    report,
    update,
    verify,
)
from scaffold.commands.common import Parser
from scaffold.errors import Interrupted, ScaffoldError
from scaffold.terminal import CLOSED_PIPE_STATUS, silence_closed_stdout

NEW_KINDS = (new_service, new_event, new_job, new_integration, new_endpoint)  # one module per `scaffold new <kind>`


# Which module registers each top-level command: `main` builds only the parser of the command it is given (the
# verifier's warm path is a few tenths of a second, and building every generator's parser costs a tenth of that).
COMMAND_MODULES = {
    "init": (init,),
    "new": NEW_KINDS,
    "verify": (verify,),
    "attest": (verify,),
    "explain": (catalogue,),
    "checklist": (catalogue,),
    "demo": (demo,),
    "update": (update,),
    "config": (update,),
    "remove": (remove,),
    "report": (report,),
}


def build_parser(command: str | None = None) -> Parser:
    """The whole command line, or (with `command`, one of COMMAND_MODULES) just what parsing that command needs."""
    parser = Parser(
        prog="scaffold",
        description="Generate compliant-by-construction platform services and verify the ready-to-ship checklist.",
        epilog="Start with `scaffold init DIR`, then `scaffold new service NAME` inside it; `scaffold verify` any "
        "time. `scaffold COMMAND --help` explains each command.",
    )
    parser.add_argument("--version", action="version", version=f"scaffold {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    if command is None or command == "init":
        init.register(commands)
    if command is None or command == "new":
        new = commands.add_parser(
            "new",
            help="generate into a platform repo",
            description="Generate into a platform repo. Every generator shows its full diff with "
            "--dry-run, writes all or nothing, and ends by running the verifier.",
        )
        kinds = new.add_subparsers(dest="kind", metavar="KIND", parser_class=Parser, required=True)
        for module in NEW_KINDS:
            module.register(kinds)
    for module in (update, verify, report, catalogue, demo, remove):
        if command is None or module in COMMAND_MODULES.get(command, ()):
            module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from scaffold.repofs import WRITTEN

    WRITTEN.clear()  # what this command writes (main may run more than once in a process: tests)
    restore = _stop_cleanly_on_signals()
    try:
        arguments = list(sys.argv[1:] if argv is None else argv)
        command = arguments[0] if arguments and arguments[0] in COMMAND_MODULES else None
        args = build_parser(command).parse_args(arguments)
        from scaffold.commands.common import apply_data_file

        apply_data_file(args)
        _invoked[:] = [str(getattr(args, "command", ""))]
        if getattr(args, "handler", None) is None:
            build_parser().print_help()
            return 2
        return int(args.handler(args))
    except ScaffoldError as error:
        print(f"scaffold: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt as interrupt:
        print(f"scaffold: interrupted; {_what_was_written()}", file=sys.stderr)
        return 128 + (interrupt.signum if isinstance(interrupt, Interrupted) else signal.SIGINT)
    except BrokenPipeError:  # the reader went away (`scaffold checklist | head -1`): end quietly, as other CLIs do
        silence_closed_stdout()
        return CLOSED_PIPE_STATUS
    except Exception as error:  # never a traceback for the user; SCAFFOLD_DEBUG=1 shows it
        if os.environ.get("SCAFFOLD_DEBUG"):
            raise
        print(
            f"scaffold: internal error: {type(error).__name__}: {error} (SCAFFOLD_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
    finally:
        from scaffold.repofs.lock import release_held

        release_held()  # a generator's lock, when an error ended it between planning and applying
        restore()


def _stop_cleanly_on_signals() -> Callable[[], None]:
    """SIGTERM and SIGHUP end a command like Ctrl-C does — an exception, so that `finally` blocks and temporary
    folders clean up and an apply in progress rolls back — instead of killing the process where it stands.
    Returns what puts the previous handlers back."""
    previous: dict[int, Any] = {}

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(signum)

    with contextlib.suppress(ValueError):  # not the main thread (an embedding program): leave its signals alone
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, stop)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


def _what_was_written() -> str:
    """The truth about the files, for a message about a command cut short."""
    from scaffold.repofs import WRITTEN

    if not WRITTEN:
        return "nothing was written"
    shown = ", ".join(WRITTEN[:3]) + (f" and {len(WRITTEN) - 3} more" if len(WRITTEN) > 3 else "")
    return (
        f"{len(WRITTEN)} file(s) had already been written in full ({shown}); the rest of the command did not run "
        "(run `scaffold verify` to see where the repo stands)"
    )


# The commands whose process may end without the interpreter's teardown (see `run`), and what `main` was asked.
EXIT_WITHOUT_TEARDOWN = frozenset({"verify"})
_invoked: list[str] = []


def run() -> NoReturn:
    """The console entry point: `main`, then exit with its status. After `scaffold verify`, without the interpreter
    freeing what the run built (a 200-service run's parses are millions of objects, most of a second to free; the
    engine keeps the last view referenced so that the run does not free it either): output is flushed, nothing else
    is pending, and the operating system takes the memory back at once. Other commands exit normally: their
    temporary folders and atexit handlers must run."""
    status = main()
    try:  # output still buffered meets a closed pipe here when it was short
        sys.stdout.flush()
    except BrokenPipeError:
        silence_closed_stdout()
        status = CLOSED_PIPE_STATUS
    if _invoked and _invoked[-1] in EXIT_WITHOUT_TEARDOWN:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (`scaffold verify | head`)
                stream.flush()
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    run()
