#!/usr/bin/python3
"""Static-pod runner: the sandbox's STAND-IN for kubelet on a kubeadm host.

No kubelet or container runtime can run here, so this script does the part of
kubelet's job that a runbook on a kubeadm control-plane node can observe:

- it watches the manifests dir (STATIC_POD_PATH, default
  /etc/kubernetes/manifests) by polling it every STATIC_POD_POLL_SECONDS
  (default 1 s; kubelet reacts to inotify within about a second, with a 20 s
  full re-read as a fallback);
- like kubelet's file source it reads every regular file whose name does not
  start with "." (so etcd.yaml.bak is read, .etcd.yaml is not), skips
  directories and files that do not parse as a Pod, and ignores a second file
  that declares a pod of the same namespace/name (first file in name order
  wins), as kubelet does with a "duplicate pod name" event;
- the pod's UID is a hash of the parsed pod, the node name and the file path
  (kubelet's recipe), so an edit that changes only comments or layout restarts
  nothing, while any real change or a rename is a new pod: the old pod is
  stopped completely before the new one with the same name starts;
- a pod's containers run as processes of the host: command + args, the env
  values of the manifest, workingDir, and each hostPath volume bind-mounted at
  its mountPath in a private mount namespace of the container (read-only if
  asked; DirectoryOrCreate/FileOrCreate create the host path);
- a pod that leaves gets SIGTERM to its containers' process groups, then
  SIGKILL after terminationGracePeriodSeconds (default 30);
- a container that exits is restarted (restartPolicy Always) with kubelet's
  crash-loop back-off: the first restart at once, then after waiting 10 s
  from the exit, doubling up to 300 s; forgotten when an exit comes more than
  2 x max after the last restart; no jitter. STATIC_POD_BACKOFF_INITIAL and
  STATIC_POD_BACKOFF_MAX (seconds) scale it (up.sh --pod-backoff);
- container output goes to /var/log/pods/<ns>_<pod>_<uid>/<container>/<restartCount>.log
  in the CRI log format ("<RFC3339Nano> stdout|stderr F <line>"), with the
  /var/log/containers/<pod>_<ns>_<container>-<id>.log symlink; the current
  and the previous attempt's logs are kept, as kubelet keeps one dead container.

Not emulated: images (the host's binaries run: `etcd` resolves through PATH),
PID/IPC/UTS isolation, resources, probes (liveness never kills), partial-line
("P") log records, and stopping this runner leaves no orphans: its pods are
stopped with it (a real kubelet leaves containers running when it stops).

For tests it writes its view to /run/static-pod-runner/pods.json.

Run as kubelet (up.sh installs it as /usr/local/bin/kubelet, started by
kubelet.service with kubeadm's flags) it also does what the kubelet does with
its configuration at start:
- --config PATH: reads the KubeletConfiguration file once, at start (the
  kubelet never re-reads it: a change takes a restart). A file that is not
  YAML, not kind KubeletConfiguration (kubelet.config.k8s.io/v1beta1), or has
  a duration field that is not a Go duration makes it exit 1 with the
  kubelet's "failed to load kubelet config file" message, as the kubelet
  does (systemd then shows it failed);
- staticPodPath from that file is the manifests dir (STATIC_POD_PATH is the
  fallback without --config);
- a command-line flag beats the file (--node-status-update-frequency=...), as
  in the kubelet; a zero duration ("0s", what kubeadm writes) means the
  kubelet's default (nodeStatusUpdateFrequency 10s);
- other flags (--kubeconfig, --container-runtime-endpoint, ...) are accepted
  and ignored.
What it read is written to /run/static-pod-runner/kubelet-config.json (for
tests; the real kubelet serves it as /configz on its authenticated port).
"""
import glob
import hashlib
import json
import re
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time

import yaml

MANIFEST_DIR = os.environ.get("STATIC_POD_PATH", "/etc/kubernetes/manifests")
POLL_SECONDS = float(os.environ.get("STATIC_POD_POLL_SECONDS", "1"))
BACKOFF_INITIAL = float(os.environ.get("STATIC_POD_BACKOFF_INITIAL", "10"))
BACKOFF_MAX = float(os.environ.get("STATIC_POD_BACKOFF_MAX", "300"))
POD_LOG_DIR = "/var/log/pods"
CONTAINER_LOG_DIR = "/var/log/containers"
STATE_DIR = "/run/static-pod-runner"
DEFAULT_GRACE = 30.0
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

NODE_NAME = socket.gethostname().lower()

KUBELET_CONFIG_KIND = ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration")
# KubeletConfiguration fields of type Duration, with the kubelet's defaults
KUBELET_DURATIONS = {
    "nodeStatusUpdateFrequency": "10s",
    "nodeStatusReportFrequency": "5m0s",
    "syncFrequency": "1m0s",
    "fileCheckFrequency": "20s",
    "httpCheckFrequency": "20s",
    "runtimeRequestTimeout": "2m0s",
    "streamingConnectionIdleTimeout": "4h0m0s",
    "imageMinimumGCAge": "2m0s",
    "imageMaximumGCAge": "0s",
    "volumeStatsAggPeriod": "1m0s",
    "cpuManagerReconcilePeriod": "10s",
    "evictionPressureTransitionPeriod": "5m0s",
    "shutdownGracePeriod": "0s",
    "shutdownGracePeriodCriticalPods": "0s",
}
# the command-line flags that override a config field
KUBELET_FLAG_FIELDS = {
    "node-status-update-frequency": "nodeStatusUpdateFrequency",
    "pod-manifest-path": "staticPodPath",
}
GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration_seconds(text):
    """Go's time.ParseDuration, in seconds; ValueError with Go's message when it is not one."""
    s = str(text)
    body = s[1:] if s[:1] in "+-" else s
    if body == "0":
        return 0.0
    pos, total = 0, 0.0
    for m in GO_DURATION_PART.finditer(body):
        if m.start() != pos:
            break
        total += float(m.group(1)) * GO_UNITS[m.group(2)]
        pos = m.end()
    if pos == 0 or pos != len(body):
        raise ValueError(f'time: invalid duration "{s}"')
    return -total if s.startswith("-") else total


def parse_kubelet_args(argv):
    flags = {}
    i = 0
    while i < len(argv):
        m = re.match(r"^--?([A-Za-z0-9][A-Za-z0-9-]*)(?:=(.*))?$", argv[i], re.S)
        if m:
            value = m.group(2)
            if value is None and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                i += 1
                value = argv[i]
            flags[m.group(1)] = "true" if value is None else value
        i += 1
    return flags


def load_kubelet_config(flags):
    """What the kubelet would run with: the --config file, flags over it, defaults for zeros."""
    path = flags.get("config")
    config = {}
    if path:
        try:
            with open(path, "rb") as f:
                config = yaml.safe_load(f.read())
        except (OSError, yaml.YAMLError) as e:
            raise ValueError(f"failed to load kubelet config file, path: {path}, error: {e}".replace("\n", " ")) from None
        if not isinstance(config, dict) or (config.get("apiVersion"), config.get("kind")) != KUBELET_CONFIG_KIND:
            got = (config.get("apiVersion"), config.get("kind")) if isinstance(config, dict) else None
            raise ValueError(f"failed to load kubelet config file, path: {path}, error: no kind KubeletConfiguration in {KUBELET_CONFIG_KIND[0]} (got {got})")
    effective = dict(config)
    for flag, field in KUBELET_FLAG_FIELDS.items():
        if flag in flags:
            effective[field] = flags[flag]
    for field, default in KUBELET_DURATIONS.items():
        value = effective.get(field)
        if value is None:
            effective[field] = default
            continue
        try:
            seconds = go_duration_seconds(value)
        except ValueError as e:
            raise ValueError(f"failed to load kubelet config file, path: {path}, error: {field}: {e}") from None
        if seconds == 0:
            effective[field] = default
    # kubelet's defaulting: an explicit update frequency with no report frequency reports as often
    if config.get("nodeStatusUpdateFrequency") not in (None, "0s", "0") and config.get("nodeStatusReportFrequency") in (None, "0s", "0"):
        effective["nodeStatusReportFrequency"] = effective["nodeStatusUpdateFrequency"]
    return path, config, effective


def log(msg):
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(f"{ts} static-pod-runner: {msg}", file=sys.stderr, flush=True)


def rfc3339nano(ns):
    secs, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{frac:09d}Z"


class ManifestError(Exception):
    pass


def parse_pod(path, data):
    try:
        pod = yaml.safe_load(data)
    except yaml.YAMLError as e:
        raise ManifestError(f"not valid YAML: {e}".replace("\n", " ")) from None
    if not isinstance(pod, dict):
        raise ManifestError("not a YAML mapping")
    if pod.get("kind") != "Pod" or pod.get("apiVersion") != "v1":
        raise ManifestError(f"kind/apiVersion is {pod.get('kind')}/{pod.get('apiVersion')}, not Pod/v1")
    meta = pod.get("metadata") or {}
    if not isinstance(meta, dict) or not meta.get("name"):
        raise ManifestError("metadata.name is missing")
    spec = pod.get("spec") or {}
    containers = spec.get("containers") if isinstance(spec, dict) else None
    if not isinstance(containers, list) or not containers:
        raise ManifestError("spec.containers is empty")
    for c in containers:
        if not isinstance(c, dict) or not c.get("name"):
            raise ManifestError("a container has no name")
        for field in ("command", "args"):
            if not isinstance(c.get(field) or [], list):
                raise ManifestError(f"container {c.get('name')}: {field} is not a list")
        argv = list(c.get("command") or []) + list(c.get("args") or [])
        if not argv or not all(isinstance(a, (str, int, float)) for a in argv):
            raise ManifestError(f"container {c.get('name')} has no command (images are not emulated)")
    # kubelet's static pod UID: a hash of the pod object, node name and source file.
    h = hashlib.md5()
    h.update(json.dumps(pod, sort_keys=True, default=str).encode())
    h.update(f"host:{NODE_NAME}".encode())
    h.update(f"file:{path}".encode())
    return pod, h.hexdigest()


class Container:
    def __init__(self, pod, spec):
        self.pod = pod
        self.spec = spec
        self.name = spec["name"]
        self.proc = None
        self.container_id = None
        self.restart_count = -1  # becomes 0 at the first start
        self.last_start = None
        self.backoff = None  # None: no back-off entry yet
        self.last_update = 0.0
        self.waiting = False
        self.next_start = 0.0
        self.last_exit = None
        self.threads = []

    # -- starting --------------------------------------------------------
    def argv(self):
        return [str(a) for a in (self.spec.get("command") or [])] + [str(a) for a in (self.spec.get("args") or [])]

    def env(self):
        env = {"PATH": CONTAINER_PATH, "HOSTNAME": NODE_NAME, "HOME": "/root", "LANG": "C.UTF-8"}
        for e in self.spec.get("env") or []:
            if isinstance(e, dict) and "name" in e and "value" in e:
                env[str(e["name"])] = str(e["value"])
        return env

    def mounts(self):
        volumes = {v.get("name"): v for v in (self.pod.spec.get("volumes") or []) if isinstance(v, dict)}
        out = []
        for m in self.spec.get("volumeMounts") or []:
            v = volumes.get(m.get("name"))
            if not v or "hostPath" not in v:
                continue
            hp = v["hostPath"] or {}
            src = hp.get("path")
            kind = hp.get("type") or ""
            if kind == "DirectoryOrCreate":
                os.makedirs(src, mode=0o755, exist_ok=True)
            elif kind == "FileOrCreate" and not os.path.exists(src):
                os.makedirs(os.path.dirname(src), exist_ok=True)
                open(src, "a").close()
            out.append((src, m.get("mountPath"), bool(m.get("readOnly"))))
        return out

    def start(self):
        self.restart_count += 1
        self.container_id = secrets.token_hex(32)
        d = os.path.join(POD_LOG_DIR, f"{self.pod.namespace}_{self.pod.full_name}_{self.pod.uid}", self.name)
        os.makedirs(d, exist_ok=True)
        log_path = os.path.join(d, f"{self.restart_count}.log")
        # kubelet keeps one dead container per container name: this attempt's
        # log and the previous one.
        for old in glob.glob(os.path.join(d, "*.log")):
            n = os.path.basename(old)[:-4]
            if n.isdigit() and int(n) < self.restart_count - 1:
                os.unlink(old)
        os.makedirs(CONTAINER_LOG_DIR, exist_ok=True)
        for link in glob.glob(os.path.join(CONTAINER_LOG_DIR, f"{self.pod.full_name}_{self.pod.namespace}_{self.name}-*.log")):
            if not os.path.exists(link):  # its log was removed above
                os.unlink(link)
        link = os.path.join(CONTAINER_LOG_DIR, f"{self.pod.full_name}_{self.pod.namespace}_{self.name}-{self.container_id}.log")
        os.symlink(log_path, link)
        logf = open(log_path, "ab", buffering=0)

        argv = self.argv()
        try:
            mounts = self.mounts()
        except OSError as e:
            logf.write(f"{rfc3339nano(time.time_ns())} stderr F static-pod-runner: volume: {e}\n".encode())
            logf.close()
            self.last_exit = 128
            return False
        if mounts:
            # A private mount namespace per container, the hostPath volumes
            # bound at their mountPaths; the shell execs the command, so the
            # container keeps this PID and its own command line.
            script = ["set -e"]
            args = []
            for src, dst, ro in mounts:
                s, d = f'"${{{len(args) + 1}}}"', f'"${{{len(args) + 2}}}"'
                args += [src, dst]
                script.append(f"mkdir -p {d}; mount --bind {s} {d}" + (f"; mount -o remount,bind,ro {d}" if ro else ""))
            script.append(f"shift {len(args)}")
            script.append('exec "$@"')
            full = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", "\n".join(script), "sh", *args, *argv]
        else:
            full = argv
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                full,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                env=self.env(),
                cwd=self.spec.get("workingDir") or "/",
                start_new_session=True,
                close_fds=True,
            )
        except OSError as e:
            os.close(out_r)
            os.close(err_r)
            logf.write(f"{rfc3339nano(time.time_ns())} stderr F exec {argv[0]}: {e}\n".encode())
            logf.close()
            self.proc = None
            self.last_exit = 128
            return False
        finally:
            os.close(out_w)
            os.close(err_w)
        lock = threading.Lock()
        self.threads = [
            threading.Thread(target=copy_log, args=(out_r, "stdout", logf, lock), daemon=True),
            threading.Thread(target=copy_log, args=(err_r, "stderr", logf, lock), daemon=True),
        ]
        for t in self.threads:
            t.start()
        threading.Thread(target=close_when_done, args=(self.threads, logf), daemon=True).start()
        self.last_start = time.monotonic()
        log(f"started {self.pod.namespace}/{self.pod.full_name} container {self.name} (pid {self.proc.pid}, restart {self.restart_count}) from {self.pod.path}")
        return True

    # -- watching --------------------------------------------------------
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def tick(self, now):
        """Notices an exited container and restarts it once its back-off allows."""
        if self.proc is not None:
            code = self.proc.poll()
            if code is None:
                return
            self.last_exit = code
            self.proc = None
            ran = now - (self.last_start or now)
            log(f"{self.pod.namespace}/{self.pod.full_name} container {self.name} exited with {code} after {ran:.1f}s")
            self.exited(now)
        if self.proc is None and now >= self.next_start:
            if self.waiting:
                # kubelet's backOff.Next once the wait is over: double, up to the max.
                self.backoff = min(self.backoff * 2, BACKOFF_MAX)
                self.last_update = now
                self.waiting = False
            if not self.start():
                self.exited(time.monotonic())

    def exited(self, finished):
        # kubelet (kuberuntime doBackOff + flowcontrol.Backoff): with no back-off
        # entry, or one last updated more than 2 x max before this exit, restart
        # at once and start an entry at the initial delay; otherwise wait the
        # entry's delay counted from the exit, then double it.
        if self.backoff is None or finished - self.last_update > 2 * BACKOFF_MAX:
            self.backoff = BACKOFF_INITIAL
            self.last_update = finished
            self.next_start = finished
        else:
            self.next_start = finished + self.backoff
            self.waiting = True
            log(f"back-off {self.backoff:g}s restarting failed container {self.name} of {self.pod.full_name}")

    # -- stopping --------------------------------------------------------
    def signal(self, sig):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass


def copy_log(fd, stream, logf, lock):
    buf = b""
    with os.fdopen(fd, "rb", buffering=0) as f:
        while True:
            chunk = f.read(65536)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            if lines:
                ts = rfc3339nano(time.time_ns())
                data = b"".join(f"{ts} {stream} F ".encode() + line + b"\n" for line in lines)
                with lock:
                    logf.write(data)
    if buf:
        with lock:
            logf.write(f"{rfc3339nano(time.time_ns())} {stream} F ".encode() + buf + b"\n")


def close_when_done(threads, logf):
    for t in threads:
        t.join()
    logf.close()


class Pod:
    def __init__(self, path, pod, uid):
        self.path = path
        self.obj = pod
        self.uid = uid
        meta = pod["metadata"]
        self.namespace = meta.get("namespace") or "default"
        self.full_name = f"{meta['name']}-{NODE_NAME}"
        self.key = (self.namespace, self.full_name)
        self.spec = pod.get("spec") or {}
        grace = self.spec.get("terminationGracePeriodSeconds")
        self.grace = float(grace) if isinstance(grace, (int, float)) and grace >= 0 else DEFAULT_GRACE
        self.containers = [Container(self, c) for c in self.spec["containers"]]
        self.kill_at = None  # set while terminating

    def start(self):
        for c in self.containers:
            c.tick(time.monotonic())

    def begin_stop(self, why):
        if self.kill_at is not None:
            return
        log(f"stopping {self.namespace}/{self.full_name} ({why}; grace {self.grace:g}s)")
        self.kill_at = time.monotonic() + self.grace
        for c in self.containers:
            c.signal(signal.SIGTERM)

    def stopped(self, now):
        """True once every container of a terminating pod is gone."""
        alive = [c for c in self.containers if c.running()]
        if alive and now >= self.kill_at:
            for c in alive:
                c.signal(signal.SIGKILL)
        for c in self.containers:
            if c.proc is not None and c.proc.poll() is not None:
                c.last_exit = c.proc.returncode
                c.proc = None
        return not any(c.proc is not None for c in self.containers)


class Runner:
    def __init__(self):
        self.pods = {}  # uid -> Pod (running)
        self.terminating = []  # Pods being stopped
        self.cache = {}  # path -> (stat key, (pod, uid) | ManifestError)
        self.reported = {}  # path -> message last logged
        self.stopping = False
        self.last_state = None

    def desired(self):
        found = {}
        seen_names = {}
        paths = sorted(glob.glob(os.path.join(MANIFEST_DIR, "[!.]*")))
        live = set()
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            if not os.path.isfile(path):
                self.report(path, "not a regular file, ignored")
                continue
            live.add(path)
            key = (st.st_ino, st.st_mtime_ns, st.st_size, st.st_ctime_ns)
            cached = self.cache.get(path)
            if cached is None or cached[0] != key:
                try:
                    with open(path, "rb") as f:
                        result = parse_pod(path, f.read())
                except ManifestError as e:
                    result = e
                except OSError as e:
                    result = ManifestError(str(e))
                self.cache[path] = (key, result)
                cached = self.cache[path]
            result = cached[1]
            if isinstance(result, ManifestError):
                self.report(path, f"could not process manifest file: {result}")
                continue
            pod_obj, uid = result
            meta = pod_obj["metadata"]
            name_key = (meta.get("namespace") or "default", f"{meta['name']}-{NODE_NAME}")
            if name_key in seen_names:
                self.report(path, f"duplicate pod name {name_key[0]}/{name_key[1]} (already declared by {seen_names[name_key]}), ignored")
                continue
            seen_names[name_key] = path
            self.reported.pop(path, None)
            found[uid] = (path, pod_obj)
        for path in list(self.cache):
            if path not in live:
                del self.cache[path]
                self.reported.pop(path, None)
        return found

    def report(self, path, msg):
        if self.reported.get(path) != msg:
            self.reported[path] = msg
            log(f"{path}: {msg}")

    def reconcile(self):
        now = time.monotonic()
        want = {} if self.stopping else self.desired()
        for uid, pod in list(self.pods.items()):
            if uid not in want:
                why = "manifest removed or changed" if not self.stopping else "runner stopping"
                pod.begin_stop(why)
                self.terminating.append(pod)
                del self.pods[uid]
        self.terminating = [p for p in self.terminating if not p.stopped(now)]
        busy = {p.key for p in self.terminating}
        for uid, (path, obj) in want.items():
            if uid in self.pods:
                continue
            pod = Pod(path, obj, uid)
            if pod.key in busy:
                continue  # the old pod of this name is still terminating
            self.pods[uid] = pod
            try:
                pod.start()
            except OSError as e:
                log(f"cannot start {pod.full_name}: {e}")
        for pod in self.pods.values():
            for c in pod.containers:
                try:
                    c.tick(time.monotonic())
                except OSError as e:
                    log(f"cannot start {pod.full_name}/{c.name}: {e}")
                    c.exited(time.monotonic())
        self.write_state()

    def write_state(self):
        state = {"node": NODE_NAME, "manifestDir": MANIFEST_DIR, "pods": []}
        for pod, phase in [(p, "Running") for p in self.pods.values()] + [(p, "Terminating") for p in self.terminating]:
            state["pods"].append({
                "namespace": pod.namespace,
                "name": pod.full_name,
                "uid": pod.uid,
                "manifest": pod.path,
                "phase": phase,
                "containers": [{
                    "name": c.name,
                    "pid": c.proc.pid if c.proc is not None and c.proc.poll() is None else None,
                    "restartCount": max(c.restart_count, 0),
                    "lastExitCode": c.last_exit,
                    "containerId": c.container_id,
                } for c in pod.containers],
            })
        text = json.dumps(state, indent=1, sort_keys=True)
        if text == self.last_state:
            return
        os.makedirs(STATE_DIR, exist_ok=True)
        tmp = os.path.join(STATE_DIR, ".pods.json.tmp")
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, os.path.join(STATE_DIR, "pods.json"))
        self.last_state = text

    def run(self):
        def on_term(signum, frame):
            self.stopping = True

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, on_term)
        log(f"watching {MANIFEST_DIR} every {POLL_SECONDS:g}s as node {NODE_NAME} (back-off {BACKOFF_INITIAL:g}s..{BACKOFF_MAX:g}s)")
        os.makedirs(MANIFEST_DIR, exist_ok=True)
        while True:
            self.reconcile()
            if self.stopping and not self.pods and not self.terminating:
                log("stopped")
                return 0
            time.sleep(0.1 if self.stopping else POLL_SECONDS)


def kubelet_start(argv):
    """As kubelet: read --config once, take staticPodPath from it, record what was read."""
    global MANIFEST_DIR
    flags = parse_kubelet_args(argv)
    try:
        path, config, effective = load_kubelet_config(flags)
    except ValueError as e:
        log(f'"command failed" err="{e}"')
        return False
    if effective.get("staticPodPath"):
        MANIFEST_DIR = effective["staticPodPath"]
    os.makedirs(STATE_DIR, exist_ok=True)
    tmp = os.path.join(STATE_DIR, ".kubelet-config.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"pid": os.getpid(), "argv": argv, "flags": flags, "configFile": path, "config": config, "effective": effective,
                   "readAt": time.time()}, f, indent=1, sort_keys=True, default=str)
        f.write("\n")
    os.replace(tmp, os.path.join(STATE_DIR, "kubelet-config.json"))
    log(f"read {path or '(no --config)'}: nodeStatusUpdateFrequency {effective['nodeStatusUpdateFrequency']}, staticPodPath {MANIFEST_DIR}")
    return True


if __name__ == "__main__":
    if not kubelet_start(sys.argv[1:]):
        sys.exit(1)
    sys.exit(Runner().run())
