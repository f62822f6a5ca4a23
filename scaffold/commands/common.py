"""What the command modules share: one-line usage errors, the generator flags, and when to ask questions."""

from __future__ import annotations

import argparse
import os
import sys

from scaffold.errors import ScaffoldError


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ScaffoldError(f"{message} (see `{self.prog} --help`)")


def generator_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="platform repo (default: the current folder)")
    parser.add_argument("--defaults", action="store_true", help="ask nothing; use defaults for what is not given")
    parser.add_argument("--dry-run", action="store_true", help="print the unified diff of every change; write nothing")
    parser.add_argument("--no-verify", action="store_true", help="skip the verifier run at the end")
    parser.add_argument(
        "--data-file",
        dest="data_file",
        metavar="FILE",
        help="answers from a YAML mapping, keyed by the long flags without `--` (and `name`), e.g. `owner: care-team`, "
        "`returns-phi: true`, `field: [amount:number]`; a flag given on the command line wins; what neither gives is "
        "asked on a terminal or defaulted",
    )
    parser.set_defaults(answers_parser=parser)


# Flags that steer the run rather than answer a question: not accepted in a data file.
_NOT_ANSWERS = frozenset({"help", "repo", "defaults", "dry_run", "no_verify", "data_file"})
DATA_FILE_MAX_BYTES = 1 << 20


def apply_data_file(args: argparse.Namespace) -> None:
    """Fill the answers `--data-file` holds into `args` where the command line gave none, each converted and checked
    as its flag would be (the generator then checks them by the same rules). Unknown keys, wrong types and an
    unreadable file are one-line errors."""
    path = getattr(args, "data_file", None)
    parser = getattr(args, "answers_parser", None)
    if not path or parser is None:
        return
    from scaffold.parsers.manifests import YamlProblem, load_data

    try:
        with open(path, "rb") as stream:
            raw = stream.read(DATA_FILE_MAX_BYTES + 1)
    except OSError as error:
        raise ScaffoldError(f"--data-file {path}: {error.strerror or error}") from None
    if len(raw) > DATA_FILE_MAX_BYTES:
        raise ScaffoldError(f"--data-file {path}: larger than {DATA_FILE_MAX_BYTES} bytes")
    try:
        data = load_data(raw)
    except YamlProblem as problem:
        raise ScaffoldError(f"--data-file {path}:{problem.line}: {problem}") from None
    if data is None:
        return
    if not isinstance(data, dict):
        raise ScaffoldError(f"--data-file {path}: expected a mapping of answers, e.g. `owner: care-team`")
    actions: dict[str, argparse.Action] = {}
    for action in parser._actions:
        if action.dest in _NOT_ANSWERS or action.dest == argparse.SUPPRESS:
            continue
        flags = [o.lstrip("-") for o in action.option_strings]
        if isinstance(action, argparse.BooleanOptionalAction):
            flags = [flag for flag in flags if not flag.startswith("no-")]  # `returns-phi: false` says it
        for key in {action.dest, action.dest.replace("_", "-"), *flags}:
            actions[key] = action
    for key, value in data.items():
        action = actions.get(str(key))
        if action is None:
            known = ", ".join(sorted(k for k in actions if "_" not in k))
            raise ScaffoldError(f"--data-file {path}: unknown answer {key!r} (answers: {known})")
        if getattr(args, action.dest) != action.default:
            continue  # given on the command line: the flag wins
        setattr(args, action.dest, _answer_value(path, str(key), action, value))


def _answer_value(path: str, key: str, action: argparse.Action, value: object) -> object:
    where = f"--data-file {path}: {key}"
    if isinstance(action, (argparse.BooleanOptionalAction, argparse._StoreTrueAction)):
        if not isinstance(value, bool):
            raise ScaffoldError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(action, argparse._AppendAction):
        items = value if isinstance(value, list) else [value]
        return [_scalar(where, action, item) for item in items]
    return _scalar(where, action, value)


def _scalar(where: str, action: argparse.Action, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ScaffoldError(f"{where}: expected a single value, got {value!r}")
    text = str(value)
    try:
        converted = action.type(text) if callable(action.type) else text
    except (TypeError, ValueError) as error:
        raise ScaffoldError(f"{where}: {text!r} is not valid ({error})") from None
    if action.choices is not None and converted not in action.choices:
        raise ScaffoldError(f"{where}: {text!r} is not one of {', '.join(map(str, action.choices))}")
    return converted


def interactive(args: argparse.Namespace) -> bool:
    """Ask questions only on a terminal, never in CI, never with --defaults."""
    return not args.defaults and sys.stdin.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")


def sdk_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-sdk",
        dest="no_sdk",
        action="store_true",
        help="without node_modules, accept that the service's SDK schema is stale (SVC-SDK-01) and exit 0; "
        "regenerate it later with `pnpm sdk:gen`",
    )


def stale_sdk_status(service: str, *, no_sdk: bool) -> int:
    """The exit status once a generator changed a service's openapi.yaml but could not regenerate its SDK (no
    node_modules yet). A zero exit would let a script or CI job chain generators over a tree whose SVC-SDK-01 fails
    without anyone being told; --no-sdk says "I know, I will run sdk:gen later"."""
    fix = f"`pnpm install && pnpm --filter @platform/{service}-service sdk:gen`"
    schema = f"services/{service}/sdk/src/schema.ts"
    if no_sdk:
        print(f"note: {schema} is stale (--no-sdk): run {fix} before committing (SVC-SDK-01)", file=sys.stderr)
        return 0
    print(
        f"scaffold: {schema} is stale, so SVC-SDK-01 fails (no node_modules to regenerate it with): run {fix}, then "
        "`scaffold verify`; or pass --no-sdk to accept it for now (exit status 1: the files above were written)",
        file=sys.stderr,
    )
    return 1
