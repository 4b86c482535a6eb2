#!/usr/bin/env bash
# Prints the etcd.conf (ETCD_* variables) of one sandbox member.
# Usage: etcd-conf.sh NAME IP INITIAL_CLUSTER TOKEN SCHEME [QUOTA_BYTES]
#   SCHEME is http or https; https adds the /etc/etcd/pki/ TLS settings.
set -euo pipefail

name=$1 ip=$2 initial_cluster=$3 token=$4 scheme=$5 quota=${6-}

cat <<CONF
# etcd member configuration, read by etcd.service (EnvironmentFile).
ETCD_NAME=$name
ETCD_DATA_DIR=/var/lib/etcd/default
ETCD_LISTEN_PEER_URLS=$scheme://$ip:2380
ETCD_LISTEN_CLIENT_URLS=$scheme://$ip:2379,$scheme://127.0.0.1:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=$scheme://$ip:2380
ETCD_ADVERTISE_CLIENT_URLS=$scheme://$ip:2379
ETCD_INITIAL_CLUSTER=$initial_cluster
ETCD_INITIAL_CLUSTER_TOKEN=$token
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_HEARTBEAT_INTERVAL=100
ETCD_ELECTION_TIMEOUT=1000
ETCD_LOGGER=zap
ETCD_LOG_OUTPUTS=stderr
CONF
if [[ -n $quota ]]; then
  echo "ETCD_QUOTA_BACKEND_BYTES=$quota"
fi
if [[ $scheme == https ]]; then
  cat <<CONF
ETCD_TRUSTED_CA_FILE=/etc/etcd/pki/ca.crt
ETCD_CERT_FILE=/etc/etcd/pki/server.crt
ETCD_KEY_FILE=/etc/etcd/pki/server.key
ETCD_CLIENT_CERT_AUTH=true
ETCD_PEER_TRUSTED_CA_FILE=/etc/etcd/pki/ca.crt
ETCD_PEER_CERT_FILE=/etc/etcd/pki/peer.crt
ETCD_PEER_KEY_FILE=/etc/etcd/pki/peer.key
ETCD_PEER_CLIENT_CERT_AUTH=true
CONF
fi
