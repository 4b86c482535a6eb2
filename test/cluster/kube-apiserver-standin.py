#!/usr/bin/python3
"""STAND-IN for kube-apiserver on a sandbox kubeadm host: an etcd writer.

Installed on kubeadm hosts as /usr/local/bin/kube-apiserver and run by the
static-pod runner from /etc/kubernetes/manifests/kube-apiserver.yaml, so the
process is named kube-apiserver and carries the etcd flags a real API server
has (--etcd-servers, --etcd-cafile, --etcd-certfile, --etcd-keyfile); other
flags are accepted and ignored.

What it does, as a real API server would from etcd's point of view: every
--sandbox-write-interval seconds (default 1) it renews its lease key
  /registry/leases/kube-system/apiserver-<node>
and bumps
  /registry/sandbox-writer/<node>
(a JSON value with a counter), authenticated with the apiserver-etcd-client
certificate. It never writes outside /registry/. When etcd is down or refuses
(NOSPACE, no leader) it retries quietly, logging at most one line per 10 s,
and exits 0 on SIGTERM. It serves no Kubernetes API.
"""
import base64
import json
import signal
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request

stop = False


def on_term(signum, frame):
    global stop
    stop = True


def flags(argv):
    out = {}
    for a in argv:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            out[k] = v
    return out


def b64(s):
    return base64.b64encode(s.encode()).decode()


def main():
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    f = flags(sys.argv[1:])
    servers = [s for s in f.get("etcd-servers", "https://127.0.0.1:2379").split(",") if s]
    interval = float(f.get("sandbox-write-interval", "1"))
    ctx = ssl.create_default_context(cafile=f.get("etcd-cafile"))
    if f.get("etcd-certfile"):
        ctx.load_cert_chain(f["etcd-certfile"], f.get("etcd-keyfile"))
    node = socket.gethostname()
    counter = 0
    last_complaint = 0.0
    failing = False
    print(f"kube-apiserver (sandbox stand-in): writing /registry keys to {','.join(servers)} every {interval:g}s", flush=True)
    while not stop:
        counter += 1
        now = time.time()
        puts = [
            (f"/registry/leases/kube-system/apiserver-{node}", json.dumps({"holderIdentity": f"apiserver-{node}", "renewTime": now})),
            (f"/registry/sandbox-writer/{node}", json.dumps({"counter": counter, "time": now})),
        ]
        err = None
        for server in servers[counter % len(servers):] + servers[: counter % len(servers)]:
            try:
                for key, value in puts:
                    body = json.dumps({"key": b64(key), "value": b64(value)}).encode()
                    req = urllib.request.Request(server.rstrip("/") + "/v3/kv/put", data=body, headers={"Content-Type": "application/json"})
                    with urllib.request.urlopen(req, timeout=2, context=ctx) as resp:
                        reply = json.loads(resp.read() or b"{}")
                    if "error" in reply or "code" in reply:
                        raise RuntimeError(reply.get("error") or reply.get("message") or str(reply))
                err = None
                break
            except (OSError, urllib.error.URLError, RuntimeError, ValueError) as e:
                err = e
        if err is not None:
            if now - last_complaint >= 10:
                print(f"E etcd put failed (retrying quietly): {err}", file=sys.stderr, flush=True)
                last_complaint = now
            failing = True
        elif failing:
            print("I etcd writes succeed again", flush=True)
            failing = False
        deadline = time.monotonic() + interval
        while not stop and time.monotonic() < deadline:
            time.sleep(min(0.2, interval))
    print("kube-apiserver (sandbox stand-in): terminated", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
