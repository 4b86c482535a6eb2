# shellcheck shell=bash disable=SC2034
# Shared naming and helpers for the sandbox scripts; sourced, never run.
# Every name the sandbox gives to a kernel object starts with "rbx" so that
# `down.sh --all` can find exactly what these scripts made and nothing else.

SANDBOX_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SANDBOX_STATE_ROOT=${RUNBOOK_SANDBOX_STATE:-$SANDBOX_HOME/.state}
SANDBOX_NETNS_PREFIX=rbx-
SANDBOX_LINK_PREFIX=rbx
SANDBOX_SUDO_USER=rbops
# A fixed, minimal environment for everything started inside a host, so the
# controller's PATH (pyenv shims, proxies, ...) never leaks into the hosts.
SANDBOX_HOST_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root USER=root LOGNAME=root SHELL=/bin/bash)

die() {
  echo "sandbox: error: $*" >&2
  exit 1
}

note() {
  [[ ${SANDBOX_QUIET:-0} == 1 ]] || echo "sandbox: $*" >&2
}

require_root() {
  [[ $(id -u) == 0 ]] || die "must run as root (it creates network namespaces and bind mounts)"
}

valid_name() {
  [[ $1 =~ ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ ]]
}

# Short stable id of a cluster name: interface names are limited to 15
# characters, cluster names are not.
cluster_id() {
  printf '%s' "$1" | sha1sum | cut -c1-6
}

bridge_name() {
  echo "${SANDBOX_LINK_PREFIX}$(cluster_id "$1")"
}

veth_name() {
  echo "${SANDBOX_LINK_PREFIX}$(cluster_id "$1")v$2"
}

netns_name() {
  echo "${SANDBOX_NETNS_PREFIX}$1-$2"
}

# Third octet of the default 10.250.X.0/24 subnet, 1..254, from the name.
default_octet() {
  local h
  h=$(printf '%s' "$1" | sha1sum | cut -c1-4)
  echo $(( (16#$h % 254) + 1 ))
}

state_dir() {
  echo "$SANDBOX_STATE_ROOT/$1"
}

# Network namespaces that belong to cluster NAME.
cluster_netns() {
  local name=$1
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${SANDBOX_NETNS_PREFIX}${name}-[0-9]+$" || true
}

# PID (as seen from here) of the process that is PID 1 inside the host's
# PID namespace; every other process of the host descends from it.
host_init_pid() {
  local ns=$1 pid nspid
  for pid in $(ip netns pids "$ns" 2>/dev/null); do
    nspid=$(awk '/^NSpid:/ {print $NF}' "/proc/$pid/status" 2>/dev/null || true)
    if [[ $nspid == 1 ]]; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

with_lock() {
  mkdir -p "$SANDBOX_STATE_ROOT"
  (
    flock -w 300 9 || die "timed out waiting for $SANDBOX_STATE_ROOT/.lock"
    "$@"
  ) 9>"$SANDBOX_STATE_ROOT/.lock"
}

# Runs a command as root inside a host's namespaces, without ssh, with the
# same clean environment an ssh login gets.
host_exec_pid() {
  local pid=$1
  shift
  nsenter -t "$pid" -m -u -n -p -- "${SANDBOX_HOST_ENV[@]}" /bin/bash -c 'cd /root && exec "$@"' host-exec "$@"
}
