#!/usr/bin/python3
"""STAND-IN for kube-controller-manager on a sandbox kubeadm host.

Installed on kubeadm hosts (up.sh --controller-manager) as
/usr/local/bin/kube-controller-manager and run by the static-pod runner from
/etc/kubernetes/manifests/kube-controller-manager.yaml, so the process is
named kube-controller-manager and /proc/PID/cmdline carries the manifest's
command-line flags, as the real one's does.

What it does as the real binary (v1.31, the manifest's image) does, for
everything a runbook can see on the node:
- parses its flags like pflag: --name=value or --name value; a duration flag
  (--node-monitor-period, --node-monitor-grace-period,
  --node-startup-grace-period, ...) that is not a Go duration makes it exit 1
  with pflag's message ("invalid argument ... time: invalid duration ...");
- a flag v1.31 no longer has (--pod-eviction-timeout, removed in v1.27) makes
  it exit 1 with "unknown flag", so a runbook that writes it sees a crash loop;
- logs its flags at start ("FLAG: --name=value", as the real one does at -v=1)
  and runs until SIGTERM, then exits 0.
It controls nothing: no API server, no node lifecycle, no leader election.
"""
import re
import signal
import sys
import time

DURATION_FLAGS = {
    "node-monitor-period", "node-monitor-grace-period", "node-startup-grace-period",
    "large-cluster-size-threshold-duration", "min-resync-period", "leader-elect-lease-duration",
    "leader-elect-renew-deadline", "leader-elect-retry-period", "route-reconciliation-period",
    "terminated-pod-gc-threshold-duration",
}
REMOVED_FLAGS = {"pod-eviction-timeout", "deleting-pods-qps", "deleting-pods-burst", "register-retry-count"}
GO_DURATION = re.compile(r"^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+)$")

stop = False


def on_term(signum, frame):
    global stop
    stop = True


def log(msg):
    print(f"I{time.strftime('%m%d %H:%M:%S', time.gmtime())} kube-controller-manager: {msg}", file=sys.stderr, flush=True)


def fail(msg):
    print(f"Error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def parse(argv):
    flags = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        m = re.match(r"^--?([A-Za-z0-9][A-Za-z0-9-]*)(?:=(.*))?$", a, re.S)
        if not m:
            fail(f"unexpected argument {a!r}")
        name, value = m.group(1), m.group(2)
        if value is None:
            if i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                i += 1
                value = argv[i]
            else:
                value = "true"
        if name in REMOVED_FLAGS:
            fail(f"unknown flag: --{name}")
        if name in DURATION_FLAGS and not GO_DURATION.match(value):
            fail(f'invalid argument "{value}" for "--{name}" flag: time: invalid duration "{value}"')
        flags[name] = value
        i += 1
    return flags


def main():
    flags = parse(sys.argv[1:])
    for name in sorted(flags):
        log(f"FLAG: --{name}={flags[name]}")
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    log("stand-in running (it controls nothing)")
    while not stop:
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
