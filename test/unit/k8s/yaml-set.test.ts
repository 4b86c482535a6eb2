import test from 'ava';
import { setYamlKeys, YamlEditError } from '../../../src/k8s/modules/yaml-set.js';

const KUBELET = `# kubelet settings, managed by hand since the incident of 2026-03
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s # 0s = the kubelet's default, 10s
staticPodPath: /etc/kubernetes/manifests
`;

test('yaml_set: changes the value, keeps every comment and every other line', (t) => {
  const r = setYamlKeys(KUBELET, { nodeStatusUpdateFrequency: '20s' }, 'KubeletConfiguration');
  t.true(r.changed);
  t.deepEqual(r.before, { nodeStatusUpdateFrequency: '0s' });
  t.is(r.text, KUBELET.replace('nodeStatusUpdateFrequency: 0s #', 'nodeStatusUpdateFrequency: 20s #'));
});

test('yaml_set: a missing key is added, a nested one through its path; the same value changes nothing', (t) => {
  const r = setYamlKeys(KUBELET, { containerLogMaxSize: '50Mi', 'authentication.anonymous.enabled': false });
  t.regex(r.text, /\ncontainerLogMaxSize: 50Mi\n$/);
  t.regex(r.text, /^# kubelet settings/);
  t.false(setYamlKeys(KUBELET, { staticPodPath: '/etc/kubernetes/manifests' }).changed);
});

test('yaml_set: refuses what it cannot edit safely, with a position', (t) => {
  const bad = KUBELET.replace('staticPodPath:', 'staticPodPath: [\n');
  const e = t.throws(() => setYamlKeys(bad, { nodeStatusUpdateFrequency: '20s' }), { instanceOf: YamlEditError });
  t.regex(e!.message, /not valid YAML/);
  t.true((e!.line ?? 0) >= 9);
  const kind = t.throws(() => setYamlKeys(KUBELET.replace('kind: KubeletConfiguration', 'kind: KubeProxyConfiguration'), { a: 1 }, 'KubeletConfiguration'), { instanceOf: YamlEditError });
  t.is(kind!.line, 3);
  t.throws(() => setYamlKeys(KUBELET, { authentication: 'x' }), { message: /not a single value/ });
});

test('yaml_set: keeps the file\'s list style (kubeadm writes "- item" at its key\'s indentation)', (t) => {
  const kubeadm = 'clusterDNS:\n- 10.96.0.10\nnodeStatusUpdateFrequency: 0s\n';
  t.is(setYamlKeys(kubeadm, { nodeStatusUpdateFrequency: '20s' }).text, 'clusterDNS:\n- 10.96.0.10\nnodeStatusUpdateFrequency: 20s\n');
  const indented = 'clusterDNS:\n  - 10.96.0.10\nnodeStatusUpdateFrequency: 0s\n';
  t.is(setYamlKeys(indented, { nodeStatusUpdateFrequency: '20s' }).text, 'clusterDNS:\n  - 10.96.0.10\nnodeStatusUpdateFrequency: 20s\n');
});
