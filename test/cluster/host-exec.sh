#!/usr/bin/env bash
# Runs a command on a sandbox host as root, entering its namespaces directly
# (no ssh): for setup, debugging and checks independent of the ssh path.
# Usage: host-exec.sh [--name NAME] HOST COMMAND [ARGS...]
#   HOST is an inventory name (node2), an index (2) or the host's IP.
#   With no COMMAND, starts an interactive shell.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
require_root

name=sandbox
if [[ ${1-} == --name ]]; then
  name=${2:?--name needs a value}
  shift 2
fi
host=${1:?usage: host-exec.sh [--name NAME] HOST [COMMAND...]}
shift
[[ ${1-} == -- ]] && shift

case $host in
  node[0-9]*) index=${host#node} ;;
  [0-9]*.[0-9]*.[0-9]*.[0-9]*) index=$(( ${host##*.} - 10 )) ;;
  [0-9]*) index=$host ;;
  *) die "unknown host '$host' (use node1, 1 or the host's IP)" ;;
esac
ns=$(netns_name "$name" "$index")
pid=$(host_init_pid "$ns") || die "host $host of cluster '$name' is not running (no namespace $ns)"
if (($# == 0)); then
  set -- /bin/bash -l
fi
host_exec_pid "$pid" "$@"
