"""How `seqsum-repl` fails: one line for the user and an exit status, never a traceback.

Every part of the interface (the command line, the session's :commands, training, the map)
raises Failure for a mistake a user can make; the command line turns it into its line and status.
"""

from __future__ import annotations

EXIT_OK = 0  # every expression answered, every command done
EXIT_REJECTED = 1  # some input line or expression was refused (its reason is on stderr)
EXIT_USAGE = 2  # bad usage, or a model file that cannot be used
EXIT_UNEXPECTED = 3  # a bug in seqsum: one line on stderr, the traceback in the log file
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)


class Failure(Exception):
    """An error to show as one line, with its exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE):
        super().__init__(message)
        self.status = status
