#!/usr/bin/python3
"""PID 1 of one sandbox host's PID namespace.

Daemons started by the systemctl replacement detach (setsid) and are
re-parented to PID 1 of their namespace when systemctl exits. Something has to
reap them, or a stopped etcd stays a zombie until the host is torn down. This
init runs sshd, reaps every child, and on SIGTERM stops the whole host
gracefully; when it exits the kernel kills whatever is left in the namespace.
"""
import os
import signal
import sys
import time

# Long enough for a clean etcd shutdown; short, because a leader whose
# followers are already gone spends seconds on a leadership transfer that
# cannot succeed.
GRACE_SECONDS = 1.5


def main() -> int:
    argv = sys.argv[1:]
    if not argv:
        print("usage: host-init.py PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    stopping_since = None

    def on_term(signum, frame):
        nonlocal stopping_since
        if stopping_since is None:
            stopping_since = time.monotonic()
            try:
                os.kill(-1, signal.SIGTERM)  # in a PID namespace: all but us
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    main_pid = os.fork()
    if main_pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        os.execv(argv[0], argv)

    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return 0
        if pid == 0:
            if stopping_since is not None and time.monotonic() - stopping_since > GRACE_SECONDS:
                return kill_and_reap()
            time.sleep(0.1 if stopping_since is not None else 0.5)
            continue
        if pid == main_pid and stopping_since is None:
            # Without sshd the host is unreachable; taking it down makes that
            # visible instead of leaving a silent half-host.
            print(f"host-init: {argv[0]} exited with status {status}; stopping host", file=sys.stderr, flush=True)
            on_term(signal.SIGTERM, None)


def kill_and_reap() -> int:
    # Reaped here, not left to the kernel: processes still alive when PID 1 of
    # a namespace exits become zombies of the controller's init.
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.02)
    return 0


if __name__ == "__main__":
    sys.exit(main())
