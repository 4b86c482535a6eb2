#!/usr/bin/env bash
# Writes the etcd PKI kubeadm writes, with openssl: certificates valid 1 year
# under a 10-year CA, with kubeadm's subjects, SANs and key usages. Keys are
# ECDSA P-256 in SEC1 PEM ("EC PRIVATE KEY"), which is what kubeadm writes with
# ClusterConfiguration encryptionAlgorithm: ECDSA-P256; its default, RSA-2048,
# would cost about a second of CPU per key (13 keys per 3-host cluster) on
# machines where every sandbox test brings up its own cluster.
# Usage:
#   kubeadm-pki.sh ca CA_DIR
#       CA_DIR/ca.{crt,key}: the cluster's one etcd CA (CN etcd-ca)
#   kubeadm-pki.sh host CA_DIR PKI_DIR HOSTNAME IP
#       PKI_DIR/etcd/{ca,server,peer,healthcheck-client}.{crt,key}
#       PKI_DIR/apiserver-etcd-client.{crt,key}
#   (PKI_DIR is what the host sees as /etc/kubernetes/pki)
set -euo pipefail

new_key() { # FILE
  openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null
  chmod 0600 "$1"
}

# kubeadm's certificates: key usage digitalSignature + keyEncipherment, an
# authority key id, the extended usages and SANs given.
sign() { # CA_DIR OUT_BASE CN EKU SANS
  local ca=$1 out=$2 cn=$3 eku=$4 sans=$5 ext
  new_key "$out.key"
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    echo "authorityKeyIdentifier=keyid"
    [[ -n $sans ]] && echo "subjectAltName=$sans"
  } >"$ext"
  openssl req -new -key "$out.key" -subj "/CN=$cn" 2>/dev/null \
    | openssl x509 -req -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
      -days 365 -extfile "$ext" -out "$out.crt" 2>/dev/null
  rm -f "$ext"
  chmod 0644 "$out.crt"
}

case ${1-} in
  ca)
    ca=${2:?CA_DIR}
    mkdir -p "$ca"
    new_key "$ca/ca.key"
    openssl req -x509 -new -key "$ca/ca.key" -subj "/CN=etcd-ca" -days 3650 -set_serial "0x$(openssl rand -hex 8)" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
      -addext "subjectKeyIdentifier=hash" \
      -addext "subjectAltName=DNS:etcd-ca" \
      -out "$ca/ca.crt" 2>/dev/null
    ;;
  host)
    ca=${2:?CA_DIR} pki=${3:?PKI_DIR} host=${4:?HOSTNAME} ip=${5:?IP}
    mkdir -p "$pki/etcd"
    chmod 0755 "$pki" "$pki/etcd"
    # kubeadm copies the etcd CA, key included, to every control-plane node.
    cp "$ca/ca.crt" "$ca/ca.key" "$pki/etcd/"
    chmod 0644 "$pki/etcd/ca.crt"
    chmod 0600 "$pki/etcd/ca.key"
    sans="DNS:$host,DNS:localhost,IP:$ip,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"
    sign "$ca" "$pki/etcd/server" "$host" serverAuth,clientAuth "$sans"
    sign "$ca" "$pki/etcd/peer" "$host" serverAuth,clientAuth "$sans"
    sign "$ca" "$pki/etcd/healthcheck-client" kube-etcd-healthcheck-client clientAuth ""
    sign "$ca" "$pki/apiserver-etcd-client" kube-apiserver-etcd-client clientAuth ""
    ;;
  *)
    echo "usage: kubeadm-pki.sh ca CA_DIR | host CA_DIR PKI_DIR HOSTNAME IP" >&2
    exit 2
    ;;
esac
