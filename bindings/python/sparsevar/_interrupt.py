"""Ctrl-C during a long library call (a VAR fit, training, the analysis of runs).

Python runs its SIGINT handler only between bytecodes, so a KeyboardInterrupt cannot stop C code;
the calls below pass a progress callback, and ``interruptible()`` turns Ctrl-C into a request that
the callback answers by returning non-zero. The library then stops at its next progress point with
SPARSEVAR_E_INTERRUPTED, leaving the object as a cancelled call leaves it, and the context manager
raises KeyboardInterrupt once the call has returned.

The handler is installed for the duration of the call only, and only on the main thread while
SIGINT has Python's default handler: a program's own SIGINT handler is left in charge.
"""

from __future__ import annotations

import contextlib
import signal
import threading

from ._lib import CancelledError

__all__ = ["interruptible"]


class InterruptRequest:
    """Set by the SIGINT handler of ``interruptible``; progress callbacks read ``requested``."""

    def __init__(self):
        self.requested = False

    def _handler(self, _signum, _frame):
        self.requested = True


@contextlib.contextmanager
def interruptible():
    """Runs a block with Ctrl-C recorded in the yielded InterruptRequest instead of raised; on
    leaving, raises KeyboardInterrupt if Ctrl-C was pressed (in place of the CancelledError of
    the call it stopped)."""
    request = InterruptRequest()
    install = (threading.current_thread() is threading.main_thread()
               and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    previous = signal.signal(signal.SIGINT, request._handler) if install else None
    try:
        yield request
    except CancelledError:
        if not request.requested:
            raise
    finally:
        if install:
            signal.signal(signal.SIGINT, previous)
    if request.requested:
        raise KeyboardInterrupt
