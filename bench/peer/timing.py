"""Timing shared by the peer scripts, shaped like JMH's on our side: windows of at least a second, run
back to back after warm-up windows, so both sides average over a comparable stretch of a machine whose
speed drifts."""
import time


def window(fn, seconds=1.0):
    """Calls fn back to back for at least `seconds`; returns (calls, elapsed seconds)."""
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls, elapsed


def measured_windows(fn, warmups, windows):
    """`warmups` windows, then `windows` measured ones: their (calls, elapsed seconds)."""
    for _ in range(warmups):
        window(fn)
    return [window(fn) for _ in range(windows)]
