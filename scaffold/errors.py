"""The one error type users see: a single line on stderr and exit status 2, never a traceback."""


class ScaffoldError(Exception):
    """Bad input or an unusable repo. The message is the whole story, written for the person at the terminal."""

    exit_code = 2
