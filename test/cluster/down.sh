#!/usr/bin/env bash
# Tears down sandbox clusters: stops every process inside their namespaces,
# removes namespaces, links and (unless --keep-state) their state dirs.
# Succeeds when there is nothing to remove.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"

usage() {
  cat <<'USAGE'
Usage: down.sh [--name NAME | --all] [--keep-state] [--quiet]
  --name NAME    cluster to remove (default: sandbox)
  --all          every cluster these scripts created (namespaces rbx-*, links rbx*)
  --keep-state   keep test/cluster/.state/NAME (logs, keys, host files) for inspection
  --quiet        no progress messages
USAGE
}

names=()
all=0
keep_state=0
while (($#)); do
  case $1 in
    --name)
      [[ $# -ge 2 && -n $2 ]] || die "option --name needs a value"
      names+=("$2")
      shift 2
      ;;
    --all) all=1; shift ;;
    --keep-state) keep_state=1; shift ;;
    --quiet) export SANDBOX_QUIET=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done
if ((all)) && ((${#names[@]})); then
  die "--all and --name exclude each other"
fi
for n in "${names[@]}"; do
  valid_name "$n" || die "invalid --name '$n'"
done
((all)) || ((${#names[@]})) || names=(sandbox)

require_root

ns_pids() {
  local ns
  for ns in "$@"; do
    ip netns pids "$ns" 2>/dev/null || true
  done
}

# Stops every process in the given namespaces: SIGTERM (the host's init passes
# it on and gives etcd a clean shutdown), then SIGKILL what is left.
stop_namespaces() {
  local pids deadline all_pids
  pids=$(ns_pids "$@")
  [[ -n $pids ]] || return 0
  all_pids=$pids
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  deadline=$(( $(date +%s%N) / 1000000 + 4000 ))
  while [[ -n $(ns_pids "$@") ]] && (($(date +%s%N) / 1000000 < deadline)); do
    sleep 0.05
  done
  pids=$(ns_pids "$@")
  if [[ -n $pids ]]; then
    note "killing processes that ignored SIGTERM: $(tr '\n' ' ' <<<"$pids")"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    deadline=$(( $(date +%s%N) / 1000000 + 3000 ))
    while [[ -n $(ns_pids "$@") ]] && (($(date +%s%N) / 1000000 < deadline)); do
      sleep 0.05
    done
  fi
  [[ -z $(ns_pids "$@") ]] || die "processes survived SIGKILL in $*: $(ns_pids "$@" | tr '\n' ' ')"
  # A process that leaves a namespace's pid list can still be a zombie until
  # its parent (for the top of each host: the controller's init) reaps it;
  # wait for that so "ps" shows nothing of the cluster once down returns.
  deadline=$(( $(date +%s%N) / 1000000 + 5000 ))
  local p
  for p in $all_pids; do
    while [[ -e /proc/$p ]] && (($(date +%s%N) / 1000000 < deadline)); do
      sleep 0.05
    done
  done
}

# Nothing is mounted from the root namespace, but a mount found under a
# state dir must not be followed by rm -rf.
unmount_under() {
  local d=$1 m
  while read -r m; do
    [[ -n $m ]] || continue
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$d/" '{gsub(/\\040/, " ", $5); if (index($5 "/", d) == 1) print $5}' /proc/self/mountinfo | sort -r)
}

teardown() {
  local name=$1 nss dir bridge link
  mapfile -t nss < <(cluster_netns "$name")
  dir=$(state_dir "$name")
  bridge=$(bridge_name "$name")
  if ((${#nss[@]})); then
    note "stopping cluster '$name' (${#nss[@]} hosts)"
    stop_namespaces "${nss[@]}"
    local ns
    for ns in "${nss[@]}"; do
      ip netns del "$ns" 2>/dev/null || true
    done
  fi
  # Host-side veth ends normally vanish with their namespace.
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${bridge}v[0-9]+$" || true); do
    ip link del "$link" 2>/dev/null || true
  done
  if ip link show "$bridge" >/dev/null 2>&1; then
    ip link del "$bridge"
  fi
  if [[ -d $dir ]]; then
    unmount_under "$dir"
    if ((keep_state)); then
      rm -f "$dir/cluster.json"
    else
      rm -rf "$dir"
    fi
  fi
}

if ((all)); then
  declare -A seen=()
  while read -r ns; do
    if [[ $ns =~ ^${SANDBOX_NETNS_PREFIX}(.+)-[0-9]+$ ]]; then
      seen[${BASH_REMATCH[1]}]=1
    fi
  done < <(ip netns list 2>/dev/null | awk '{print $1}')
  if [[ -d $SANDBOX_STATE_ROOT ]]; then
    for d in "$SANDBOX_STATE_ROOT"/*/; do
      [[ -d $d ]] || continue
      n=$(basename "$d")
      valid_name "$n" && seen[$n]=1
    done
  fi
  jobs_pids=()
  for n in "${!seen[@]}"; do
    teardown "$n" &
    jobs_pids+=($!)
  done
  rc=0
  for p in "${jobs_pids[@]}"; do
    wait "$p" || rc=1
  done
  ((rc == 0)) || die "some clusters could not be removed completely"
  # Links whose cluster left no namespace or state dir behind.
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${SANDBOX_LINK_PREFIX}[0-9a-f]{6}(v[0-9]+)?$" || true); do
    note "removing stray link $link"
    ip link del "$link" 2>/dev/null || true
  done
else
  for n in "${names[@]}"; do
    teardown "$n"
  done
fi
