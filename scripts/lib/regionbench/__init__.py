"""regionbench: what scripts/bench, plot, report, stats and compare share.

registry (the backend list), results (CSV loading; the JSON extra column is
parsed there and nowhere else), metrics (names, units, directions), stats
(intervals and the one verdict rule, from scipy.stats), gnuplot (the runner
under a timeout). The scripts run under /usr/bin/python3, Debian's, which has
python3-scipy, whatever python3 comes first on PATH."""
import os
import signal
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def stop(p):
    """Ends child P: SIGTERM (a driver removes its temporary file), SIGKILL
    after 5 s."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run(args, timeout=None, **kw):
    """subprocess.run(ARGS, timeout=TIMEOUT, **KW) that never leaves a child
    behind: signals are blocked while the child starts (it gets the old mask
    back), and any exception while it runs (an interrupt, the timeout) stops
    it before propagating."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        p = subprocess.Popen(args, preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_SETMASK, old), **kw)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    try:
        out, err = p.communicate(timeout=timeout)
    except BaseException:
        stop(p)
        raise
    return subprocess.CompletedProcess(args, p.returncode, out, err)


class Fatal(Exception):
    """A fault the command reports as one line and an exit status (2: bad
    input, 3: a system or I/O failure)."""

    def __init__(self, msg, status=2):
        super().__init__(msg)
        self.status = status


def entry(prog, main):
    """Runs MAIN(argv) as the command PROG: SIGINT kills the process by the
    signal (the caller sees a death by SIGINT, not exit 1), Fatal becomes one
    line on stderr and its status."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        sys.exit(main(sys.argv[1:]) or 0)
    except Fatal as e:
        print(f"{prog}: {e}", file=sys.stderr)
        sys.exit(e.status)
    except BrokenPipeError:
        sys.exit(3)
