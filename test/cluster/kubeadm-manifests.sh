#!/usr/bin/env bash
# Prints a static-pod manifest of one sandbox kubeadm host, in the exact form
# kubeadm writes (cmd/kubeadm/app/phases/etcd/local.go and controlplane/:
# flags sorted by name, kubeadm's probes, volumes and annotations).
# Usage:
#   kubeadm-manifests.sh etcd NAME IP INITIAL_CLUSTER STATE IMAGE_TAG [QUOTA_BYTES]
#   kubeadm-manifests.sh kube-apiserver IP
# STATE "new" writes no --initial-cluster-state flag (kubeadm init does not);
# "existing" writes --initial-cluster-state=existing (kubeadm join does).
set -euo pipefail

etcd_manifest() {
  local name=$1 ip=$2 initial_cluster=$3 state=$4 tag=$5 quota=${6-}
  local flags=(
    "--advertise-client-urls=https://$ip:2379"
    "--cert-file=/etc/kubernetes/pki/etcd/server.crt"
    "--client-cert-auth=true"
    "--data-dir=/var/lib/etcd"
    "--experimental-initial-corrupt-check=true"
    "--experimental-watch-progress-notify-interval=5s"
    "--initial-advertise-peer-urls=https://$ip:2380"
    "--initial-cluster=$initial_cluster"
  )
  [[ $state == existing ]] && flags+=("--initial-cluster-state=existing")
  flags+=(
    "--key-file=/etc/kubernetes/pki/etcd/server.key"
    "--listen-client-urls=https://127.0.0.1:2379,https://$ip:2379"
    "--listen-metrics-urls=http://127.0.0.1:2381"
    "--listen-peer-urls=https://$ip:2380"
    "--name=$name"
    "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt"
    "--peer-client-cert-auth=true"
    "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key"
    "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"
  )
  # kubeadm passes extra args (etcd.local.extraArgs) sorted in with the rest.
  [[ -n $quota ]] && flags+=("--quota-backend-bytes=$quota")
  flags+=(
    "--snapshot-count=10000"
    "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"
  )
  cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://$ip:2379
  creationTimestamp: null
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
YAML
  local f
  for f in "${flags[@]}"; do
    echo "    - $f"
  done
  cat <<YAML
    image: registry.k8s.io/etcd:$tag
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
      httpGet:
        host: 127.0.0.1
        path: /health?exclude=NOSPACE&serializable=true
        port: 2381
        scheme: HTTP
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: etcd
    resources:
      requests:
        cpu: 100m
        memory: 100Mi
    startupProbe:
      failureThreshold: 24
      httpGet:
        host: 127.0.0.1
        path: /health?serializable=false
        port: 2381
        scheme: HTTP
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
    - mountPath: /etc/kubernetes/pki/etcd
      name: etcd-certs
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
status: {}
YAML
}

# Only the etcd-related part of kubeadm's kube-apiserver manifest is real: the
# command is the sandbox's stand-in writer (installed as kube-apiserver).
apiserver_manifest() {
  local ip=$1
  cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: $ip:6443
  creationTimestamp: null
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=$ip
    - --allow-privileged=true
    - --authorization-mode=Node,RBAC
    - --enable-admission-plugins=NodeRestriction
    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    - --etcd-servers=https://127.0.0.1:2379
    - --secure-port=6443
    image: registry.k8s.io/kube-apiserver:v1.31.0
    imagePullPolicy: IfNotPresent
    name: kube-apiserver
    resources:
      requests:
        cpu: 250m
    volumeMounts:
    - mountPath: /etc/ssl/certs
      name: ca-certs
      readOnly: true
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/ssl/certs
      type: DirectoryOrCreate
    name: ca-certs
  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
status: {}
YAML
}

# kubeadm's kube-controller-manager manifest (v1.31, flags sorted by name as
# kubeadm writes them); the command is the sandbox's stand-in (installed as
# kube-controller-manager), which only carries and checks the flags.
controller_manager_manifest() {
  cat <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    component: kube-controller-manager
    tier: control-plane
  name: kube-controller-manager
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-controller-manager
    - --authentication-kubeconfig=/etc/kubernetes/controller-manager.conf
    - --authorization-kubeconfig=/etc/kubernetes/controller-manager.conf
    - --bind-address=127.0.0.1
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --cluster-name=kubernetes
    - --cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt
    - --cluster-signing-key-file=/etc/kubernetes/pki/ca.key
    - --controllers=*,bootstrapsigner,tokencleaner
    - --kubeconfig=/etc/kubernetes/controller-manager.conf
    - --leader-elect=true
    - --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt
    - --root-ca-file=/etc/kubernetes/pki/ca.crt
    - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
    - --use-service-account-credentials=true
    image: registry.k8s.io/kube-controller-manager:v1.31.0
    imagePullPolicy: IfNotPresent
    name: kube-controller-manager
    resources:
      requests:
        cpu: 200m
    volumeMounts:
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
status: {}
YAML
}

# kubeadm's /var/lib/kubelet/config.yaml (v1.31): the zero values ("0s") are
# what kubeadm writes for fields it leaves to the kubelet's defaults
# (nodeStatusUpdateFrequency 0s = 10s).
kubelet_config() {
  cat <<'YAML'
apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
resolvConf: /run/systemd/resolve/resolv.conf
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
YAML
}

case ${1-} in
  etcd) shift; etcd_manifest "$@" ;;
  kube-apiserver) shift; apiserver_manifest "$@" ;;
  kube-controller-manager) controller_manager_manifest ;;
  kubelet-config) kubelet_config ;;
  *) echo "usage: kubeadm-manifests.sh etcd NAME IP INITIAL_CLUSTER STATE IMAGE_TAG [QUOTA] | kube-apiserver IP | kube-controller-manager | kubelet-config" >&2; exit 2 ;;
esac
