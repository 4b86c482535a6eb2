#!/usr/bin/env bash
# Runs as the first process of a new host, already inside its network, mount,
# UTS and PID namespaces: bind-mounts the host's private directories over the
# shared root filesystem, then becomes the host's init running sshd.
# Usage: host-boot.sh HOST_DIR STATE_ROOT HOSTNAME
set -euo pipefail

host_dir=$1
state_root=$2
host_name=$3
fs=$host_dir/fs

hostname "$host_name"

# Kept in step with the tree setup_host builds in up.sh.
dirs=(run var/log tmp root home etc/etcd etc/default etc/systemd/system etc/kubernetes etc/ssh var/lib/etcd var/backups usr/lib/systemd/system usr/local/bin)
files=(etc/hosts etc/hostname)

# A private directory that contains the state dir itself (a checkout under
# /root or /tmp) would hide the remaining mount sources, so it goes last.
last=""
for d in "${dirs[@]}"; do
  if [[ $fs/ == /$d/* ]]; then
    last=$d
    continue
  fi
  mount --bind "$fs/$d" "/$d"
done
for f in "${files[@]}"; do
  mount --bind "$fs/$f" "/$f"
done
if [[ -n $last ]]; then
  mount --bind "$fs/$last" "/$last"
fi

# The host's etcd version (etcd-fetch.sh): also what the absolute paths
# /usr/bin/etcd and /usr/bin/etcdctl run, so a unit file or a runbook naming
# them gets the same version as PATH lookups do.
etcd_bin=$(cat /run/runbook-sandbox/etcd-bin 2>/dev/null || true)
if [[ -n $etcd_bin && $etcd_bin != /usr/bin ]]; then
  for b in etcd etcdctl; do
    mount --bind "$etcd_bin/$b" "/usr/bin/$b"
  done
fi

# Other hosts' private files live under the state dir; hide it so a host sees
# only its own.
if [[ -d $state_root ]]; then
  mount -t tmpfs -o ro,size=4k,mode=0755 rbx-hidden "$state_root"
fi

exec /usr/bin/python3 /run/runbook-sandbox/host-init.py /usr/sbin/sshd -D -E /var/log/sshd.log
