"""The one error type users see: a single line on stderr and exit status 2, never a traceback."""


class ScaffoldError(Exception):
    """Bad input or an unusable repo. The message is the whole story, written for the person at the terminal."""

    exit_code = 2


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP, raised where the command can stop cleanly (scaffold/cli.py reports it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
