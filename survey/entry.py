"""The `survey` command's entry point: Ctrl-C at any moment is a clean exit 130, never a traceback.

Click turns Ctrl-C inside a command into its own exit; this also covers the moments around it:
while the command modules are imported (the first tenth of a second or so), and a second Ctrl-C
while the first is being handled.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
INTERNAL_ERROR = 70  # EX_SOFTWARE in sysexits.h
BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader closed the pipe


def main() -> None:
    try:
        from survey.cli import main as cli

        cli()  # exits by itself (SystemExit), with the command's code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(INTERRUPTED)
    except BrokenPipeError:
        # the reader of the output went away (`survey counts | head`): nothing more to say to it, and
        # no error; stdout points at nothing so the interpreter's final flush cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(BROKEN_PIPE)
    except Exception:
        # A bug, not an outcome: its own code, so that a script (make report) that lets exit 1, some
        # cells failed, pass still stops here rather than reading on past a traceback.
        traceback.print_exc()
        sys.stderr.write(f"survey: internal error (exit {INTERNAL_ERROR}); what was saved before it is kept\n")
        sys.exit(INTERNAL_ERROR)
    finally:
        # the command is over: a Ctrl-C now (a second one, while the first is handled) would only
        # turn its exit into a traceback from the interpreter's shutdown
        signal.signal(signal.SIGINT, signal.SIG_IGN)
