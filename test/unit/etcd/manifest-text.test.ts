import { readFileSync } from 'node:fs';
import test from 'ava';
import { ManifestError, readManifestFlags, setManifestFlags } from '../../../src/etcd/modules/manifest-text.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/manifests/${name}`, import.meta.url), 'utf8');
const KUBEADM = fixture('kubeadm-etcd.yaml');
const COMMENTED = fixture('kubeadm-etcd-commented.yaml');

/** the lines that differ (a longest-common-subsequence diff): [before, after], null for none */
function changedLines(a: string, b: string): Array<[string | null, string | null]> {
  const x = a.split('\n');
  const y = b.split('\n');
  const lcs = x.map(() => new Array<number>(y.length + 1).fill(0));
  lcs.push(new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: Array<[string | null, string | null]> = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (i < x.length && j < y.length && lcs[i + 1]![j + 1] === lcs[i]![j]) {
      out.push([x[i++]!, y[j++]!]);
    } else if (j < y.length && (i >= x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push([null, y[j++]!]);
    } else {
      out.push([x[i++]!, null]);
    }
  }
  return out;
}

test('kubeadm manifest: an existing flag changes, and only its bytes', (t) => {
  const r = setManifestFlags(KUBEADM, { 'snapshot-count': '50000', 'initial-cluster-state': 'new' });
  t.true(r.changed);
  t.deepEqual(r.before, { 'snapshot-count': '10000', 'initial-cluster-state': 'existing' });
  t.is(r.text, KUBEADM.replace('--snapshot-count=10000', '--snapshot-count=50000').replace('--initial-cluster-state=existing', '--initial-cluster-state=new'));
});

test('kubeadm manifest: a missing flag is added after the last item, indented like it', (t) => {
  const r = setManifestFlags(KUBEADM, { 'heartbeat-interval': '500', 'election-timeout': '5000' });
  t.deepEqual(r.before, { 'heartbeat-interval': null, 'election-timeout': null });
  t.deepEqual(changedLines(KUBEADM, r.text), [
    [null, '    - --heartbeat-interval=500'],
    [null, '    - --election-timeout=5000'],
  ]);
  t.regex(r.text, /--trusted-ca-file=\/etc\/kubernetes\/pki\/etcd\/ca\.crt\n {4}- --heartbeat-interval=500\n {4}- --election-timeout=5000\n {4}image:/);
  t.deepEqual(readManifestFlags(r.text, ['heartbeat-interval', 'election-timeout', 'name']), { 'heartbeat-interval': '500', 'election-timeout': '5000', name: 'node2' });
});

test('kubeadm manifest: --initial-cluster is not mistaken for --initial-cluster-state', (t) => {
  const r = setManifestFlags(KUBEADM, { 'initial-cluster': 'node1=https://10.0.0.11:2380,node2=https://10.0.0.12:2380,node3=https://10.0.0.13:2380' });
  t.deepEqual(changedLines(KUBEADM, r.text), [
    ['    - --initial-cluster=node1=https://10.0.0.11:2380,node2=https://10.0.0.12:2380', '    - --initial-cluster=node1=https://10.0.0.11:2380,node2=https://10.0.0.12:2380,node3=https://10.0.0.13:2380'],
  ]);
});

test('commented manifest: comments, quoting and the indented list style are kept', (t) => {
  const r = setManifestFlags(COMMENTED, { 'heartbeat-interval': '500', 'election-timeout': '5000', name: 'node1b', 'quota-backend-bytes': '4294967296' });
  t.deepEqual(r.before, { 'heartbeat-interval': '250', 'election-timeout': '2500', name: 'node1', 'quota-backend-bytes': null });
  t.deepEqual(changedLines(COMMENTED, r.text), [
    ['        - --heartbeat-interval=250   # ms', '        - --heartbeat-interval=500   # ms'],
    ['        - --election-timeout=2500', '        - --election-timeout=5000'],
    ['        - "--name=node1"', '        - "--name=node1b"'],
    [null, '        - --quota-backend-bytes=4294967296'],
  ]);
  // the new item goes after the last item's comment, on a line of its own
  t.regex(r.text, /ca\.crt # last flag\n {8}- --quota-backend-bytes=4294967296\n {6}image:/);
});

test('the same values again change nothing', (t) => {
  const r = setManifestFlags(KUBEADM, { 'snapshot-count': '10000', name: 'node2' });
  t.false(r.changed);
  t.is(r.text, KUBEADM);
});

test('a value YAML would read otherwise is double-quoted', (t) => {
  const r = setManifestFlags(KUBEADM, { 'log-outputs': 'a #b' });
  t.regex(r.text, /- "--log-outputs=a #b"\n/);
  t.is(readManifestFlags(r.text, ['log-outputs'])['log-outputs'], 'a #b');
});

test('CRLF manifests keep their line ends', (t) => {
  const crlf = KUBEADM.replace(/\n/g, '\r\n');
  const r = setManifestFlags(crlf, { 'heartbeat-interval': '500' });
  t.is(r.text, crlf.replace('ca.crt\r\n    image:', 'ca.crt\r\n    - --heartbeat-interval=500\r\n    image:'));
});

const refusals: Array<{ title: string; text: string; line: number; message: RegExp }> = [
  { title: 'not YAML', text: KUBEADM.replace('    - --name=node2', '    - --name=node2\n   bad: [unclosed'), line: 30, message: /not valid YAML/ },
  { title: 'a tab-broken indentation', text: KUBEADM.replace('  hostNetwork: true', '\thostNetwork: true'), line: 68, message: /not valid YAML/ },
  { title: 'no etcd container', text: KUBEADM.replace('    name: etcd\n', '    name: etcd-main\n'), line: 14, message: /one container named etcd.*found 0/ },
  { title: 'two etcd containers', text: KUBEADM.replace('  hostNetwork: true', '  - name: etcd\n    command: [etcd]\n  hostNetwork: true'), line: 14, message: /found 2/ },
  { title: 'a value as the next item', text: KUBEADM.replace('    - --name=node2', '    - --name\n    - node2'), line: 29, message: /--name takes its value from the next item: write it as one item --name=node2/ },
  { title: 'flags in args', text: KUBEADM.replace('    image: registry', '    args:\n    - --snapshot-count=5\n    image: registry'), line: 37, message: /has args/ },
  { title: 'not a pod', text: KUBEADM.replace('kind: Pod', 'kind: Deployment'), line: 2, message: /kind is "Deployment"/ },
  { title: 'a command that is not a list', text: KUBEADM.replace(/ {2}- command:\n( {4}- .*\n)+/, '  - command: etcd --name=node2\n'), line: 14, message: /no command list/ },
];

for (const c of refusals) {
  test(`refused, naming the line: ${c.title}`, (t) => {
    const e = t.throws(() => setManifestFlags(c.text, { 'heartbeat-interval': '500' }), { instanceOf: ManifestError });
    t.regex(e!.message, c.message);
    t.is(e!.line, c.line, e!.message);
    t.true(e!.col >= 1);
  });
}

test('line breaks and bad option names are refused', (t) => {
  t.throws(() => setManifestFlags(KUBEADM, { name: 'a\n    - --evil=1' }), { message: /line break/ });
  t.throws(() => setManifestFlags(KUBEADM, { '--name': 'x' }), { message: /not an etcd option name/ });
});
