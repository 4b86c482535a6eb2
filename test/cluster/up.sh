#!/usr/bin/env bash
# Brings up a sandbox cluster: N "servers" on this machine, each in its own
# network/mount/UTS/PID namespaces with its own IP, sshd, private directories
# and (unless --ssh-only) one member of an etcd cluster (run by the systemctl or with --kubeadm as a static pod run by the kubelet stand-in).
# See README.md beside this file.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"

usage() {
  cat <<'USAGE'
Usage: up.sh [options]
  --name NAME      cluster name (default: sandbox); [a-z0-9-], at most 40 chars
  --subnet A.B.C   use A.B.C.0/24 (default: 10.250.X.0/24, X derived from the name)
  --hosts N        number of hosts (default: 3; etcd: 1-9, --ssh-only: 1-200)
  --ssh-only       hosts with sshd only, no etcd (inventory group "nodes")
  --tls            etcd with a private CA, client-cert-auth and https URLs
  --quota BYTES    ETCD_QUOTA_BACKEND_BYTES for every member
  --etcd 3.4|3.5   etcd version on the hosts (default: 3.4, or 3.5 with --kubeadm);
                   3.5 is fetched once from Debian trixie/sid (etcd-fetch.sh)
  --kubeadm        lay hosts out as kubeadm does: etcd as a static pod from
                   /etc/kubernetes/manifests/etcd.yaml run by the static-pod
                   runner (kubelet stand-in), kubeadm's PKI, a kube-apiserver
                   stand-in pod writing /registry keys
  --controller-manager  with --kubeadm: also a kube-controller-manager
                   stand-in static pod on every host, and the inventory
                   groups kube_control_plane and k8s_cluster
  --pod-backoff S[:MAX]  crash-loop back-off of the static-pod runner in
                   seconds (default: kubelet's 10:300)
  --timeout SECS   how long to wait for sshd and etcd health (default: 60)
  --recreate       tear down a running cluster of the same name first
  --keep-on-failure  leave a failed cluster running for inspection
  --json           print cluster.json to stdout at the end
  -h, --help       this help
USAGE
}

name=sandbox
subnet=""
hosts=3
ssh_only=0
tls=0
quota=""
timeout=60
recreate=0
keep_on_failure=0
json=0
kubeadm=0
etcd_minor=""
pod_backoff=10:300
controller_manager=0

need_value() {
  [[ $# -ge 2 && -n $2 && $2 != --* ]] || die "option $1 needs a value (see --help)"
}

while (($#)); do
  case $1 in
    --name) need_value "$@"; name=$2; shift 2 ;;
    --subnet) need_value "$@"; subnet=$2; shift 2 ;;
    --hosts) need_value "$@"; hosts=$2; shift 2 ;;
    --ssh-only) ssh_only=1; shift ;;
    --tls) tls=1; shift ;;
    --quota) need_value "$@"; quota=$2; shift 2 ;;
    --etcd) need_value "$@"; etcd_minor=$2; shift 2 ;;
    --kubeadm) kubeadm=1; shift ;;
    --pod-backoff) need_value "$@"; pod_backoff=$2; shift 2 ;;
    --controller-manager) controller_manager=1; shift ;;
    --timeout) need_value "$@"; timeout=$2; shift 2 ;;
    --recreate) recreate=1; shift ;;
    --keep-on-failure) keep_on_failure=1; shift ;;
    --json) json=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done

valid_name "$name" || die "invalid --name '$name': use lowercase letters, digits and '-', at most 40 characters"
[[ $hosts =~ ^[0-9]+$ ]] || die "--hosts must be a number, got '$hosts'"
if ((ssh_only)); then
  ((hosts >= 1 && hosts <= 200)) || die "--hosts must be 1-200 with --ssh-only, got $hosts"
  ((tls == 0)) || die "--tls makes no sense with --ssh-only (there is no etcd)"
  [[ -z $quota ]] || die "--quota makes no sense with --ssh-only (there is no etcd)"
  ((kubeadm == 0)) || die "--kubeadm makes no sense with --ssh-only (there is no etcd)"
  [[ -z $etcd_minor ]] || die "--etcd makes no sense with --ssh-only (there is no etcd)"
else
  ((hosts >= 1 && hosts <= 9)) || die "--hosts must be 1-9 for an etcd cluster, got $hosts"
fi
if [[ -n $quota ]]; then
  if ! [[ $quota =~ ^[0-9]+$ ]] || ((quota == 0)); then
    die "--quota must be a positive number of bytes, got '$quota'"
  fi
fi
if [[ -z $etcd_minor ]]; then
  etcd_minor=3.4
  ((kubeadm)) && etcd_minor=3.5
fi
[[ $etcd_minor == 3.4 || $etcd_minor == 3.5 ]] || die "--etcd must be 3.4 or 3.5, got '$etcd_minor'"
[[ $pod_backoff =~ ^([0-9]+(\.[0-9]+)?)(:([0-9]+(\.[0-9]+)?))?$ ]] || die "--pod-backoff must be SECONDS or SECONDS:MAX_SECONDS, got '$pod_backoff'"
backoff_initial=${BASH_REMATCH[1]}
backoff_max=${BASH_REMATCH[4]:-300}
((controller_manager == 0 || kubeadm)) || die "--controller-manager needs --kubeadm"
# kubeadm hosts always speak TLS (kubeadm's PKI).
((kubeadm)) && tls=1
if ! [[ $timeout =~ ^[0-9]+$ ]] || ((timeout == 0)); then
  die "--timeout must be a positive number of seconds, got '$timeout'"
fi
if [[ -n $subnet ]]; then
  [[ $subnet =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || die "--subnet must look like A.B.C (e.g. 10.250.7), got '$subnet'"
  a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} c=${BASH_REMATCH[3]}
  ((a <= 255 && b <= 255 && c <= 255)) || die "--subnet '$subnet' is not an IPv4 prefix"
  # Only private ranges: hosts must never shadow a routable address.
  if ! ((a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168))); then
    die "--subnet '$subnet' is not inside a private range (10/8, 172.16/12, 192.168/16)"
  fi
fi

require_root
start_time=$(date +%s%N)

dir=$(state_dir "$name")
bridge=$(bridge_name "$name")

# Sandbox subnet in use by anything on this machine: an address on any
# interface or a route other than the default one that overlaps it.
# Outputs are captured first: with pipefail, "grep -q" closing a pipe early
# could turn a match into a failure.
subnet_in_use() {
  local prefix=$1 addrs covering inside
  addrs=$(ip -4 -o addr show | awk '{print $4}')
  covering=$(ip -4 route show match "$prefix.0/24" | grep -v '^default' || true)
  inside=$(ip -4 route show root "$prefix.0/24")
  [[ $'\n'$addrs == *$'\n'"$prefix".* || -n $covering || -n $inside ]]
}

cluster_running() {
  ip link show "$bridge" >/dev/null 2>&1 || [[ -n $(cluster_netns "$name") ]]
}

# Everything that must not race with another up.sh: packages, the shared
# user, the running check, and claiming a subnet by putting it on the bridge.
claim() {
  bash "$here/install-deps.sh"
  if ! id -u "$SANDBOX_SUDO_USER" >/dev/null 2>&1; then
    useradd --no-create-home --home-dir "/home/$SANDBOX_SUDO_USER" --shell /bin/bash --user-group "$SANDBOX_SUDO_USER"
  fi
  # "*" (not the "!" useradd leaves) so sshd without PAM accepts key logins.
  if [[ $(getent shadow "$SANDBOX_SUDO_USER" | cut -d: -f2) != '*' ]]; then
    usermod -p '*' "$SANDBOX_SUDO_USER"
  fi
  local sudoers=/etc/sudoers.d/runbook-sandbox
  local rule="$SANDBOX_SUDO_USER ALL=(ALL:ALL) NOPASSWD: ALL"
  if [[ ! -f $sudoers || $(cat "$sudoers") != "$rule" ]]; then
    printf '%s\n' "$rule" >"$sudoers.tmp"
    chmod 0440 "$sudoers.tmp"
    visudo -cqf "$sudoers.tmp" >/dev/null || die "generated sudoers rule is invalid"
    mv "$sudoers.tmp" "$sudoers"
  fi
  # Mount points for the hosts' private directories.
  mkdir -p /etc/etcd /etc/kubernetes /etc/systemd/system /var/lib/etcd /var/backups /etc/ssh /etc/default /usr/lib/systemd/system /usr/local/bin
  # etcd 3.5 comes from Debian's newer suites into a cache, once.
  if ((!ssh_only)); then
    etcd_bin=$(bash "$here/etcd-fetch.sh" "$etcd_minor") || die "etcd $etcd_minor is not available (see above)"
  fi

  if cluster_running; then
    if ((recreate)); then
      note "cluster '$name' is running; tearing it down first (--recreate)"
      bash "$here/down.sh" --name "$name" --quiet
    else
      die "cluster '$name' is already up (state: $dir); run 'down.sh --name $name' or pass --recreate"
    fi
  fi
  # Leftovers of a cluster whose namespaces are gone (reboot, crash).
  rm -rf "$dir"

  local prefix
  if [[ -n $subnet ]]; then
    prefix=$subnet
    subnet_in_use "$prefix" && die "subnet $prefix.0/24 is already in use on this machine (ip -4 addr / ip route); pick another --subnet"
  else
    local first octet k
    first=$(default_octet "$name")
    prefix=""
    for ((k = 0; k < 254; k++)); do
      octet=$(( (first - 1 + k) % 254 + 1 ))
      if ! subnet_in_use "10.250.$octet"; then
        prefix=10.250.$octet
        break
      fi
    done
    [[ -n $prefix ]] || die "no free /24 left in 10.250.0.0/16"
  fi

  mkdir -p "$dir"
  printf 'name=%s\nprefix=%s\nbridge=%s\nhosts=%s\netcd_bin=%s\n' "$name" "$prefix" "$bridge" "$hosts" "${etcd_bin:-}" >"$dir/state.env"
  ip link add name "$bridge" type bridge
  # No IPv6 on sandbox links: nothing needs it and it keeps them silent.
  ip link set dev "$bridge" addrgenmode none
  ip addr add "$prefix.1/24" dev "$bridge"
  ip link set dev "$bridge" up
  # quickack: without it, Nagle on one end and delayed ACKs on the other
  # stall every ssh handshake three times for 40 ms. Set on the kernel's own
  # prefix route, which comes back by itself (without quickack) if a test
  # takes the link down and up again.
  ip route replace "$prefix.0/24" dev "$bridge" proto kernel scope link src "$prefix.1" quickack 1
}

with_lock claim
# shellcheck disable=SC1091
source "$dir/state.env"
gateway=$prefix.1

failed=1
on_exit() {
  if ((failed)); then
    echo "sandbox: up of '$name' failed" >&2
    local f
    for f in "$dir"/hosts/*/boot.log "$dir"/hosts/*/fs/var/log/sshd.log "$dir"/hosts/*/fs/var/log/journal/etcd.service.log \
      "$dir"/hosts/*/fs/var/log/journal/kubelet.service.log "$dir"/hosts/*/fs/var/log/pods/kube-system_etcd-*/etcd/*.log; do
      [[ -s $f ]] || continue
      echo "---- ${f#"$dir"/} (last lines)" >&2
      tail -n 15 "$f" >&2 || true
    done
    if ((keep_on_failure)); then
      echo "sandbox: left running for inspection (--keep-on-failure); remove with: bash $here/down.sh --name $name" >&2
    else
      bash "$here/down.sh" --name "$name" --keep-state --quiet || true
      echo "sandbox: torn down; logs kept in $dir" >&2
    fi
  fi
}
trap on_exit EXIT

mkdir -p "$dir/hosts"
key=$dir/id_ed25519
ssh-keygen -q -t ed25519 -N '' -C "runbook-sandbox-$name" -f "$key"
pubkey=$(cat "$key.pub")

host_ip() { echo "$prefix.$((10 + $1))"; }
scheme=http
((tls)) && scheme=https
# kubeadm names a member after its node.
member_name() { if ((kubeadm)); then echo "node$1"; else echo "etcd$1"; fi; }
data_dir=/var/lib/etcd/default
((kubeadm)) && data_dir=/var/lib/etcd
etcd_release=""
if ((!ssh_only)); then
  etcd_release=$("$etcd_bin/etcd" --version | awk '/^etcd Version:/ {print $3}')
  [[ -n $etcd_release ]] || die "cannot tell the version of $etcd_bin/etcd"
fi
peer_url() { echo "$scheme://$(host_ip "$1"):2380"; }
client_url() { echo "$scheme://$(host_ip "$1"):2379"; }

initial_cluster=""
if ((!ssh_only)); then
  for ((i = 1; i <= hosts; i++)); do
    initial_cluster+="${initial_cluster:+,}$(member_name "$i")=$(peer_url "$i")"
  done
fi

# One CA per cluster; member and client certificates are signed by it.
issue_cert() { # DIR BASENAME CN EKU SANS
  local out=$1 base=$2 cn=$3 eku=$4 sans=$5
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$out/$base.key" -out "$out/$base.csr" -subj "/CN=$cn" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -n $sans ]] && echo "subjectAltName=$sans"
  } >"$out/$base.ext"
  openssl x509 -req -in "$out/$base.csr" -CA "$dir/tls/ca.crt" -CAkey "$dir/tls/ca.key" \
    -set_serial "0x$(openssl rand -hex 12)" -days 3650 -extfile "$out/$base.ext" -out "$out/$base.crt" 2>/dev/null
  rm -f "$out/$base.csr" "$out/$base.ext"
  chmod 0600 "$out/$base.key"
}

if ((kubeadm)); then
  # kubeadm's one etcd CA; the controller's client certificate is a copy of
  # node1's healthcheck-client (made below).
  bash "$here/kubeadm-pki.sh" ca "$dir/tls"
elif ((tls)); then
  mkdir -p "$dir/tls"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 3650 \
    -keyout "$dir/tls/ca.key" -out "$dir/tls/ca.crt" -subj "/CN=runbook-sandbox-$name-ca" 2>/dev/null
  chmod 0600 "$dir/tls/ca.key"
  issue_cert "$dir/tls" client root clientAuth ""
fi

hosts_file() {
  echo "127.0.0.1 localhost"
  echo "::1 localhost ip6-localhost ip6-loopback"
  local i
  for ((i = 1; i <= hosts; i++)); do
    echo "$(host_ip "$i") node$i"
  done
}

minimal_bashrc() {
  cat <<'RC'
# Deliberately minimal: every non-interactive ssh command reads this file.
[ -z "$PS1" ] && return
PS1='\u@\h:\w\$ '
RC
}

# kubeadm's layout on one host: PKI, static-pod manifests, and the kubelet
# stand-in (static-pod-runner.py) as kubelet.service, enabled.
setup_kubeadm_host() { # INDEX HOSTNAME IP FS
  local i=$1 h=$2 ip=$3 fs=$4
  bash "$here/kubeadm-pki.sh" host "$dir/tls" "$fs/etc/kubernetes/pki" "$h" "$ip"
  if ((i == 1)); then
    cp "$fs/etc/kubernetes/pki/etcd/healthcheck-client.crt" "$dir/tls/client.crt"
    cp "$fs/etc/kubernetes/pki/etcd/healthcheck-client.key" "$dir/tls/client.key"
  fi
  mkdir -p "$fs/etc/kubernetes/manifests"
  chmod 0700 "$fs/etc/kubernetes/manifests"
  # The simple bootstrap: every member lists the whole cluster with state new
  # (kubeadm itself starts one member and joins the others one by one).
  bash "$here/kubeadm-manifests.sh" etcd "$(member_name "$i")" "$ip" "$initial_cluster" new "$etcd_release-0" "$quota" \
    >"$fs/etc/kubernetes/manifests/etcd.yaml"
  bash "$here/kubeadm-manifests.sh" kube-apiserver "$ip" >"$fs/etc/kubernetes/manifests/kube-apiserver.yaml"
  chmod 0600 "$fs/etc/kubernetes/manifests/"*.yaml
  install -m 0755 "$here/kube-apiserver-standin.py" "$fs/usr/local/bin/kube-apiserver"
  install -m 0755 "$here/static-pod-runner.py" "$fs/usr/local/bin/static-pod-runner"
  if ((controller_manager)); then
    bash "$here/kubeadm-manifests.sh" kube-controller-manager >"$fs/etc/kubernetes/manifests/kube-controller-manager.yaml"
    chmod 0600 "$fs/etc/kubernetes/manifests/kube-controller-manager.yaml"
    install -m 0755 "$here/kube-controller-manager-standin.py" "$fs/usr/local/bin/kube-controller-manager"
  fi
  # The kubelet's files as kubeadm writes them. /var/lib is the host's overlay
  # (host-boot.sh): its upper dir holds what the host adds.
  local varlib
  varlib="$(dirname "$fs")/var-lib/upper"
  mkdir -p "$varlib/kubelet"
  bash "$here/kubeadm-manifests.sh" kubelet-config >"$varlib/kubelet/config.yaml"
  echo 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10"' >"$varlib/kubelet/kubeadm-flags.env"
  # the runner, installed as kubelet so its process is named kubelet
  install -m 0755 "$here/static-pod-runner.py" "$fs/usr/local/bin/kubelet"
  cat >"$fs/etc/systemd/system/kubelet.service" <<UNIT
# STAND-IN for kubelet: the runbook sandbox's static-pod runner (see
# test/cluster/README.md). It reads --config (staticPodPath,
# nodeStatusUpdateFrequency, ...) at start and runs the pods in
# /etc/kubernetes/manifests. The lines below are kubeadm's
# 10-kubeadm.conf drop-in, folded into the unit.
[Unit]
Description=kubelet stand-in: static-pod runner of the runbook sandbox
After=network.target

[Service]
Type=simple
Environment=STATIC_POD_POLL_SECONDS=1 STATIC_POD_BACKOFF_INITIAL=$backoff_initial STATIC_POD_BACKOFF_MAX=$backoff_max
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=/usr/local/bin/kubelet \$KUBELET_KUBECONFIG_ARGS \$KUBELET_CONFIG_ARGS \$KUBELET_KUBEADM_ARGS \$KUBELET_EXTRA_ARGS

[Install]
WantedBy=multi-user.target
UNIT
  mkdir -p "$fs/etc/systemd/system/multi-user.target.wants"
  ln -s /etc/systemd/system/kubelet.service "$fs/etc/systemd/system/multi-user.target.wants/kubelet.service"
}

# Builds one host's private directory tree and starts it. Runs in parallel
# for all hosts.
setup_host() {
  local i=$1 h=node$1 ip ns veth hd fs
  ip=$(host_ip "$i")
  ns=$(netns_name "$name" "$i")
  veth=$(veth_name "$name" "$i")
  hd=$dir/hosts/$h
  fs=$hd/fs

  mkdir -p "$fs"/{run/sshd,run/runbook-sandbox,var/log/journal,tmp,root/.ssh,home,etc/etcd,etc/default,etc/systemd/system,etc/kubernetes,etc/ssh,var/lib/etcd,var/backups,usr/local/bin}
  chmod 1777 "$fs/tmp"
  chmod 0700 "$fs/root" "$fs/root/.ssh" "$fs/var/lib/etcd"
  cp "$here/host-init.py" "$fs/run/runbook-sandbox/host-init.py"
  cp -a /etc/default/. "$fs/etc/default/"
  if [[ -e /etc/ssh/ssh_config ]]; then cp -a /etc/ssh/ssh_config "$fs/etc/ssh/"; fi
  if [[ -d /etc/ssh/ssh_config.d ]]; then cp -a /etc/ssh/ssh_config.d "$fs/etc/ssh/"; fi
  # The package units, less those whose Exec lines use systemd's "+"/"!"
  # prefixes or a command without an absolute path (udev's "udevadm ...",
  # which newer systemd allows): the systemctl replacement cannot parse them
  # and would print an ERROR line on every daemon-reload.
  mkdir -p "$fs/usr/lib/systemd/system"
  cp -a /usr/lib/systemd/system/. "$fs/usr/lib/systemd/system/"
  grep -lE '^Exec[A-Za-z]*=([-@:]*[+!]|[-@:+!]*[^-@:+!/[:space:]])' -r "$fs/usr/lib/systemd/system" | xargs -r rm -f
  hosts_file >"$fs/etc/hosts"
  echo "$h" >"$fs/etc/hostname"

  printf '%s\n' "$pubkey" >"$fs/root/.ssh/authorized_keys"
  chmod 0600 "$fs/root/.ssh/authorized_keys"
  minimal_bashrc >"$fs/root/.bashrc"
  printf '[ -f ~/.bashrc ] && . ~/.bashrc\n' >"$fs/root/.profile"
  local uh=$fs/home/$SANDBOX_SUDO_USER
  mkdir -p "$uh/.ssh"
  printf '%s\n' "$pubkey" >"$uh/.ssh/authorized_keys"
  minimal_bashrc >"$uh/.bashrc"
  printf '[ -f ~/.bashrc ] && . ~/.bashrc\n' >"$uh/.profile"
  chmod 0700 "$uh" "$uh/.ssh"
  chmod 0600 "$uh/.ssh/authorized_keys"
  chown -R "$SANDBOX_SUDO_USER:$SANDBOX_SUDO_USER" "$uh"

  ssh-keygen -q -t ed25519 -N '' -C "root@$h" -f "$fs/etc/ssh/ssh_host_ed25519_key"
  bash "$here/sshd-config.sh" "$ip" "$SANDBOX_SUDO_USER" >"$fs/etc/ssh/sshd_config"

  if ((!ssh_only)); then
    # The chosen etcd is what etcd, etcdctl and etcdutl resolve to on the
    # host: host-boot.sh binds it over /usr/bin/etcd{,ctl}, and the host's
    # private /usr/local/bin (first in PATH) links all three.
    echo "$etcd_bin" >"$fs/run/runbook-sandbox/etcd-bin"
    local b
    for b in etcd etcdctl etcdutl; do
      if [[ -x $etcd_bin/$b ]]; then ln -s "$etcd_bin/$b" "$fs/usr/local/bin/$b"; fi
    done
  fi
  if ((kubeadm)); then
    setup_kubeadm_host "$i" "$h" "$ip" "$fs"
  elif ((!ssh_only)); then
    bash "$here/etcd-conf.sh" "$(member_name "$i")" "$ip" "$initial_cluster" "rbx-$name" "$scheme" "$quota" >"$fs/etc/etcd/etcd.conf"
    cp "$here/etcd.service" "$fs/etc/systemd/system/etcd.service"
    # Enabled as on a real member. The systemctl replacement also answers
    # "unknown" (exit 3) to is-active for a unit that is not enabled, even
    # while it runs.
    mkdir -p "$fs/etc/systemd/system/multi-user.target.wants"
    ln -s /etc/systemd/system/etcd.service "$fs/etc/systemd/system/multi-user.target.wants/etcd.service"
    if ((tls)); then
      local pki=$fs/etc/etcd/pki
      local sans="IP:$ip,IP:127.0.0.1,DNS:localhost,DNS:$h"
      mkdir -p "$pki"
      chmod 0700 "$pki"
      cp "$dir/tls/ca.crt" "$dir/tls/client.crt" "$dir/tls/client.key" "$pki/"
      issue_cert "$pki" server "$(member_name "$i")" serverAuth,clientAuth "$sans"
      issue_cert "$pki" peer "$(member_name "$i")" serverAuth,clientAuth "$sans"
    fi
  fi

  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set dev "$veth" addrgenmode none
  ip link set dev "$veth" master "$bridge" up
  ip -n "$ns" link set dev eth0 addrgenmode none
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set dev eth0 up
  ip -n "$ns" route replace "$prefix.0/24" dev eth0 proto kernel scope link src "$ip" quickack 1
  ip -n "$ns" link set dev lo up

  setsid -f "${SANDBOX_HOST_ENV[@]}" ip netns exec "$ns" \
    unshare --mount --uts --pid --fork --mount-proc --propagation private \
    /bin/bash "$here/host-boot.sh" "$hd" "$SANDBOX_STATE_ROOT" "$h" \
    </dev/null >"$hd/boot.log" 2>&1
}

pids=()
for ((i = 1; i <= hosts; i++)); do
  setup_host "$i" &
  pids+=($!)
done
for p in "${pids[@]}"; do
  wait "$p" || die "setting up a host failed (see messages above)"
done

deadline=$(( $(date +%s) + timeout ))
wait_until() { # DESCRIPTION COMMAND...
  local what=$1
  shift
  until "$@"; do
    (($(date +%s) < deadline)) || die "timed out after ${timeout}s waiting for $what"
    sleep 0.05
  done
}

# sshd writes its pid file once it listens. A host whose namespace has no
# process left has failed to boot; say so now rather than at the timeout.
boot_wait_start=$(date +%s)
host_booted() { # INDEX
  local hd=$dir/hosts/node$1
  [[ -s $hd/fs/run/sshd.pid ]] && return 0
  # The grace covers the moment before the detached boot process has entered
  # the namespace.
  if (($(date +%s) - boot_wait_start >= 2)) && [[ -z $(ip netns pids "$(netns_name "$name" "$1")" 2>/dev/null) ]]; then
    die "node$1 failed to boot: $(tail -n 5 "$hd/boot.log" 2>/dev/null | tr '\n' ' ')"
  fi
  return 1
}
for ((i = 1; i <= hosts; i++)); do
  wait_until "sshd on node$i" host_booted "$i"
  init_pid=$(host_init_pid "$(netns_name "$name" "$i")") || die "node$i has no init process"
  echo "$init_pid" >"$dir/hosts/node$i/init.pid"
done

if ((!ssh_only)); then
  pids=()
  for ((i = 1; i <= hosts; i++)); do
    if ((kubeadm)); then
      host_exec_pid "$(cat "$dir/hosts/node$i/init.pid")" systemctl start kubelet &
    else
      host_exec_pid "$(cat "$dir/hosts/node$i/init.pid")" systemctl start etcd &
    fi
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p" || die "starting etcd (systemctl start etcd/kubelet) failed on a host"
  done

  endpoints=""
  for ((i = 1; i <= hosts; i++)); do
    endpoints+="${endpoints:+,}$(client_url "$i")"
  done
  etcdctl_ctl=(env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY ETCDCTL_API=3
    etcdctl --endpoints="$endpoints" --dial-timeout=1s --command-timeout=2s)
  if ((tls)); then
    etcdctl_ctl+=(--cacert="$dir/tls/ca.crt" --cert="$dir/tls/client.crt" --key="$dir/tls/client.key")
  fi
  all_healthy() {
    local out
    out=$("${etcdctl_ctl[@]}" endpoint health --cluster 2>&1) || return 1
    [[ $(grep -c 'is healthy' <<<"$out") == "$hosts" ]]
  }
  wait_until "all $hosts etcd members to report healthy (etcdctl endpoint health --cluster)" all_healthy
fi

# known_hosts: by IP, which is what the inventory gives as ansible_host.
: >"$dir/known_hosts"
for ((i = 1; i <= hosts; i++)); do
  read -r t k _ <"$dir/hosts/node$i/fs/etc/ssh/ssh_host_ed25519_key.pub"
  echo "$(host_ip "$i") $t $k" >>"$dir/known_hosts"
done

group=etcd
((ssh_only)) && group=nodes
{
  echo "ansible_user=root"
  echo "ansible_ssh_private_key_file=$key"
  echo "ansible_ssh_common_args=-o UserKnownHostsFile=$dir/known_hosts -o StrictHostKeyChecking=yes"
  echo "runbook_known_hosts=$dir/known_hosts"
  echo "runbook_sudo_user=$SANDBOX_SUDO_USER"
  if ((kubeadm)); then
    # As inventory/kubeadm-cluster/group_vars/etcd.yml has them.
    echo "etcd_data_dir=/var/lib/etcd"
    echo "etcd_config_style=static_pod"
    echo "etcd_manifest=/etc/kubernetes/manifests/etcd.yaml"
    echo "kube_apiserver_manifest=/etc/kubernetes/manifests/kube-apiserver.yaml"
    echo "etcd_cacert=/etc/kubernetes/pki/etcd/ca.crt"
    echo "etcd_cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt"
    echo "etcd_key=/etc/kubernetes/pki/etcd/healthcheck-client.key"
  elif ((!ssh_only)); then
    echo "etcd_data_dir=/var/lib/etcd/default"
    echo "etcd_service=etcd"
    echo "etcd_config_file=/etc/etcd/etcd.conf"
    echo "etcd_config_style=env"
    if ((tls)); then
      echo "etcd_cacert=/etc/etcd/pki/ca.crt"
      echo "etcd_cert=/etc/etcd/pki/client.crt"
      echo "etcd_key=/etc/etcd/pki/client.key"
    fi
  fi
} >"$dir/inventory.vars"
{
  for ((i = 1; i <= hosts; i++)); do
    line="$group node$i ansible_host=$(host_ip "$i")"
    if ((!ssh_only)); then
      line+=" etcd_name=$(member_name "$i") etcd_peer_url=$(peer_url "$i") etcd_client_url=$(client_url "$i")"
    fi
    echo "$line"
  done
  if ((controller_manager)); then
    # kubespray's groups: control-plane nodes, and every node with a kubelet
    for ((i = 1; i <= hosts; i++)); do echo "kube_control_plane node$i"; done
    for ((i = 1; i <= hosts; i++)); do echo "k8s_cluster node$i"; done
  fi
} >"$dir/inventory.hosts"
bash "$here/write-inventory.sh" "$dir"

b() { ((1 == $1)) && echo true || echo false; }
{
  echo "{"
  echo "  \"schemaVersion\": 1,"
  echo "  \"name\": $(json_str "$name"),"
  echo "  \"dir\": $(json_str "$dir"),"
  echo "  \"subnet\": \"$prefix.0/24\","
  echo "  \"gateway\": \"$gateway\","
  echo "  \"bridge\": \"$bridge\","
  echo "  \"sshOnly\": $(b "$ssh_only"),"
  echo "  \"tls\": $(b "$tls"),"
  echo "  \"quota\": ${quota:-null},"
  echo "  \"kubeadm\": $(b "$kubeadm"),"
  echo "  \"controllerManager\": $(b "$controller_manager"),"
  if ((ssh_only)); then
    echo "  \"etcdVersion\": null,"
    echo "  \"etcdRelease\": null,"
  else
    echo "  \"etcdVersion\": \"$etcd_minor\","
    echo "  \"etcdRelease\": \"$etcd_release\","
  fi
  echo "  \"user\": \"root\","
  echo "  \"sudoUser\": \"$SANDBOX_SUDO_USER\","
  echo "  \"keyFile\": $(json_str "$key"),"
  echo "  \"publicKeyFile\": $(json_str "$key.pub"),"
  echo "  \"knownHosts\": $(json_str "$dir/known_hosts"),"
  echo "  \"inventoryYaml\": $(json_str "$dir/inventory.yaml"),"
  echo "  \"inventoryIni\": $(json_str "$dir/inventory.ini"),"
  if ((tls)); then
    echo "  \"tlsFiles\": {\"ca\": $(json_str "$dir/tls/ca.crt"), \"cert\": $(json_str "$dir/tls/client.crt"), \"key\": $(json_str "$dir/tls/client.key")},"
  else
    echo "  \"tlsFiles\": null,"
  fi
  if ((ssh_only)); then
    echo "  \"etcd\": null,"
  else
    echo "  \"etcd\": {"
    if ((kubeadm)); then
      echo "    \"service\": null,"
      echo "    \"configFile\": null,"
      echo "    \"unitFile\": null,"
      echo "    \"logFile\": null,"
      echo "    \"manifest\": \"/etc/kubernetes/manifests/etcd.yaml\","
      echo "    \"apiServerManifest\": \"/etc/kubernetes/manifests/kube-apiserver.yaml\","
      echo "    \"podLogDir\": \"/var/log/pods\","
      echo "    \"binDir\": $(json_str "$etcd_bin"),"
      echo "    \"dataDir\": \"/var/lib/etcd\","
      echo "    \"initialCluster\": \"$initial_cluster\","
      # kubeadm sets no token: etcd's default.
      echo "    \"initialClusterToken\": \"etcd-cluster\","
    else
      echo "    \"service\": \"etcd\","
      echo "    \"configFile\": \"/etc/etcd/etcd.conf\","
      echo "    \"unitFile\": \"/etc/systemd/system/etcd.service\","
      echo "    \"logFile\": \"/var/log/journal/etcd.service.log\","
      echo "    \"manifest\": null,"
      echo "    \"apiServerManifest\": null,"
      echo "    \"podLogDir\": null,"
      echo "    \"binDir\": $(json_str "$etcd_bin"),"
      echo "    \"dataDir\": \"/var/lib/etcd/default\","
      echo "    \"initialCluster\": \"$initial_cluster\","
      echo "    \"initialClusterToken\": \"rbx-$name\","
    fi
    echo "    \"endpoints\": [$(sed 's/[^,]*/"&"/g; s/,/, /g' <<<"$endpoints")],"
    if ((kubeadm)); then
      echo "    \"hostTlsFiles\": {\"ca\": \"/etc/kubernetes/pki/etcd/ca.crt\", \"cert\": \"/etc/kubernetes/pki/etcd/healthcheck-client.crt\", \"key\": \"/etc/kubernetes/pki/etcd/healthcheck-client.key\"}"
    elif ((tls)); then
      echo "    \"hostTlsFiles\": {\"ca\": \"/etc/etcd/pki/ca.crt\", \"cert\": \"/etc/etcd/pki/client.crt\", \"key\": \"/etc/etcd/pki/client.key\"}"
    else
      echo "    \"hostTlsFiles\": null"
    fi
    echo "  },"
  fi
  echo "  \"hosts\": ["
  for ((i = 1; i <= hosts; i++)); do
    sep=","
    ((i == hosts)) && sep=""
    echo "    {"
    echo "      \"inventoryName\": \"node$i\","
    echo "      \"hostname\": \"node$i\","
    echo "      \"ip\": \"$(host_ip "$i")\","
    echo "      \"netns\": \"$(netns_name "$name" "$i")\","
    echo "      \"veth\": \"$(veth_name "$name" "$i")\","
    echo "      \"initPid\": $(cat "$dir/hosts/node$i/init.pid"),"
    echo "      \"root\": $(json_str "$dir/hosts/node$i/fs"),"
    if ((ssh_only)); then
      echo "      \"etcd\": null"
    else
      echo "      \"etcd\": {\"name\": \"$(member_name "$i")\", \"peerUrl\": \"$(peer_url "$i")\", \"clientUrl\": \"$(client_url "$i")\", \"dataDir\": \"$data_dir\"}"
    fi
    echo "    }$sep"
  done
  echo "  ]"
  echo "}"
} >"$dir/cluster.json.tmp"
mv "$dir/cluster.json.tmp" "$dir/cluster.json"

failed=0
elapsed_ms=$(( ($(date +%s%N) - start_time) / 1000000 ))
if ((json)); then
  cat "$dir/cluster.json"
else
  what="$hosts ssh hosts"
  if ((!ssh_only)); then
    what="$hosts hosts running etcd $etcd_release"
    if ((kubeadm)); then what+=" as kubeadm static pods"
    elif ((tls)); then what+=" with TLS"; fi
  fi
  cat <<SUMMARY
sandbox '$name' is up in ${elapsed_ms} ms: $what on $prefix.0/24
  state:      $dir
  inventory:  $dir/inventory.yaml  (also inventory.ini)
  ssh:        ssh -i $key -o UserKnownHostsFile=$dir/known_hosts root@$(host_ip 1)
  no ssh:     bash $here/host-exec.sh --name $name node1 [COMMAND]
  tear down:  bash $here/down.sh --name $name
SUMMARY
fi
