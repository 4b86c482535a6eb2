#!/usr/bin/env bash
# Installs the Debian packages the sandbox needs, and any extra package named
# on the command line. Does nothing (and needs no network) when all are there.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
require_root

packages=(openssh-server openssh-client etcd-server etcd-client systemctl sudo openssl iproute2 procps python3 python3-yaml util-linux "$@")
commands=(sshd ssh ssh-keygen etcd etcdctl systemctl sudo openssl ip ps nsenter unshare flock setsid)

installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if ((${#missing[@]})); then
  note "installing ${missing[*]}"
  # Package maintainer scripts must not start etcd or sshd on the controller:
  # the sandbox runs its own copies inside namespaces. policy-rc.d is honoured
  # by invoke-rc.d and deb-systemd-invoke alike.
  own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  cleanup_policy() { if ((own_policy)); then rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup_policy EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  cleanup_policy
  trap - EXIT
fi

for c in "${commands[@]}"; do
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v "$c" >/dev/null \
    || die "command '$c' is still missing after installing packages"
done

# An etcd in the controller's own network namespace is never one of the
# sandbox's (those live in rbx-* namespaces). If the install just now left one
# running, the package did it and it is stopped; one that was already there
# belongs to someone else and is only reported.
if ((${#missing[@]})); then
  self_net=$(readlink /proc/self/ns/net)
  for pid in $(pgrep -x etcd || true); do
    if [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null || true) == "$self_net" ]]; then
      note "stopping etcd (pid $pid) that its package started in the root namespace"
      if [[ -x /etc/init.d/etcd ]]; then /etc/init.d/etcd stop >/dev/null 2>&1 || true; fi
      kill "$pid" 2>/dev/null || true
    fi
  done
fi
if ss -Hltn 'sport = :2379' 2>/dev/null | grep -q .; then
  note "warning: something in the root network namespace listens on port 2379 (not a sandbox member)"
fi
