#!/usr/bin/env bash
# Container entrypoint of one Docker sandbox host. Shares /sandbox (the
# controller's test/cluster/.state/_docker) with the other hosts: the first
# host to start creates the client key; each host adds its own host key to
# known_hosts; node1 writes the inventories.
#
# Environment (set by docker-compose.test.yml):
#   SANDBOX_INDEX      1, 2, 3 ...
#   SANDBOX_SUBNET     A.B.C of the compose network (hosts are A.B.C.(10+i))
#   SANDBOX_HOSTS      number of hosts
#   SANDBOX_HOST_DIR   absolute path of /sandbox on the Docker host, for the inventories
#   SANDBOX_QUOTA      optional ETCD_QUOTA_BACKEND_BYTES
set -euo pipefail

lib=/usr/local/lib/runbook-sandbox
i=${SANDBOX_INDEX:?}
prefix=${SANDBOX_SUBNET:?}
hosts=${SANDBOX_HOSTS:-3}
host_dir=${SANDBOX_HOST_DIR:-/sandbox}
quota=${SANDBOX_QUOTA:-}
ip=$prefix.$((10 + i))
node=node$i
state=${SANDBOX_STATE:-/sandbox}
user=rbops

mkdir -p "$state/hosts/$node"
# /run is a fresh tmpfs on every start, so no stale service state survives.
install -d -m 0755 /run/sshd
exec 9>"$state/.lock"

flock 9
if [[ ! -s $state/id_ed25519 ]]; then
  ssh-keygen -q -t ed25519 -N '' -C runbook-sandbox-docker -f "$state/id_ed25519"
fi
if [[ ! -s $state/hosts/$node/ssh_host_ed25519_key ]]; then
  ssh-keygen -q -t ed25519 -N '' -C "root@$node" -f "$state/hosts/$node/ssh_host_ed25519_key"
fi
read -r t k _ <"$state/hosts/$node/ssh_host_ed25519_key.pub"
touch "$state/known_hosts"
{ grep -v "^$ip " "$state/known_hosts" || true; echo "$ip $t $k"; } >"$state/known_hosts.tmp"
mv "$state/known_hosts.tmp" "$state/known_hosts"
flock -u 9

install -m 0600 "$state/hosts/$node/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
install -m 0644 "$state/hosts/$node/ssh_host_ed25519_key.pub" /etc/ssh/ssh_host_ed25519_key.pub
bash "$lib/sshd-config.sh" "$ip" "$user" >/etc/ssh/sshd_config
for home in /root "/home/$user"; do
  install -d -m 0700 "$home/.ssh"
  install -m 0600 "$state/id_ed25519.pub" "$home/.ssh/authorized_keys"
done
chown -R "$user:$user" "/home/$user/.ssh"

initial_cluster=""
for ((n = 1; n <= hosts; n++)); do
  initial_cluster+="${initial_cluster:+,}etcd$n=http://$prefix.$((10 + n)):2380"
done
bash "$lib/etcd-conf.sh" "etcd$i" "$ip" "$initial_cluster" rbx-docker http "$quota" >/etc/etcd/etcd.conf

if ((i == 1)); then
  {
    echo "ansible_user=root"
    echo "ansible_ssh_private_key_file=$host_dir/id_ed25519"
    echo "ansible_ssh_common_args=-o UserKnownHostsFile=$host_dir/known_hosts -o StrictHostKeyChecking=yes"
    echo "runbook_known_hosts=$host_dir/known_hosts"
    echo "runbook_sudo_user=$user"
    echo "etcd_data_dir=/var/lib/etcd/default"
    echo "etcd_service=etcd"
    echo "etcd_config_file=/etc/etcd/etcd.conf"
    echo "etcd_config_style=env"
  } >"$state/inventory.vars"
  for ((n = 1; n <= hosts; n++)); do
    h=$prefix.$((10 + n))
    echo "etcd node$n ansible_host=$h etcd_name=etcd$n etcd_peer_url=http://$h:2380 etcd_client_url=http://$h:2379"
  done >"$state/inventory.hosts"
  bash "$lib/write-inventory.sh" "$state"
fi

# Started before init takes over PID 1: the daemon is re-parented to it.
systemctl start etcd
exec /usr/bin/python3 "$lib/host-init.py" /usr/sbin/sshd -D -E /var/log/sshd.log
