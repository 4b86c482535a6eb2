import test from 'ava';
import { readManifestFlags, setManifestFlags } from '../../../src/etcd/modules/manifest-text.js';
import { flagsOf, programArgv } from '../../../src/k8s/modules/process-flags.js';
import { imageVersion } from '../../../src/k8s/modules/static-pod-flags-read.js';

const KCM = `apiVersion: v1
kind: Pod
metadata:
  name: kube-controller-manager
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-controller-manager
    # raised after the NotReady flapping (seed 001)
    - --node-monitor-grace-period=10s
    - --use-service-account-credentials=true
    image: registry.k8s.io/kube-controller-manager:v1.31.0
    name: kube-controller-manager
`;

test('manifest flags of a named container: set in place and appended, comments kept', (t) => {
  const r = setManifestFlags(KCM, { 'node-monitor-grace-period': '40s', 'node-monitor-period': '5s' }, 'kube-controller-manager');
  t.deepEqual(r.before, { 'node-monitor-grace-period': '10s', 'node-monitor-period': null });
  t.is(
    r.text,
    KCM.replace('--node-monitor-grace-period=10s', '--node-monitor-grace-period=40s').replace(
      '    - --use-service-account-credentials=true\n',
      '    - --use-service-account-credentials=true\n    - --node-monitor-period=5s\n',
    ),
  );
  t.deepEqual(readManifestFlags(r.text, ['node-monitor-period'], 'kube-controller-manager'), { 'node-monitor-period': '5s' });
});

test('manifest flags: the etcd default still refuses a manifest without an etcd container', (t) => {
  t.throws(() => setManifestFlags(KCM, { 'heartbeat-interval': '200' }), { message: /one container named etcd/ });
});

test('process flags: interpreter words skipped, --a=b and --a b read, last wins', (t) => {
  const argv = programArgv(['/usr/bin/python3', '/usr/local/bin/kubelet', '--config', '/var/lib/kubelet/config.yaml', '--v=2', '--v=4', '--fail-swap-on'], 'kubelet')!;
  t.deepEqual(flagsOf(argv.slice(1)), { config: '/var/lib/kubelet/config.yaml', v: '4', 'fail-swap-on': 'true' });
  t.is(programArgv(['/usr/bin/python3', '/usr/local/bin/other'], 'kubelet'), null);
});

test('image version from the tag', (t) => {
  t.is(imageVersion('registry.k8s.io/kube-controller-manager:v1.31.0'), '1.31.0');
  t.is(imageVersion('k8s.gcr.io/kube-controller-manager-amd64:v1.11.1'), '1.11.1');
  t.is(imageVersion('registry.local:5000/kcm@sha256:abc'), null);
  t.is(imageVersion(undefined), null);
});
