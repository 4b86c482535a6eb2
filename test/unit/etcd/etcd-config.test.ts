import { Readable } from 'node:stream';
import test from 'ava';
import { readEnvOptions, readUnitFlags, setEnvOptions, setUnitFlags } from '../../../src/etcd/modules/config-text.js';
import { etcdConfig } from '../../../src/etcd/modules/etcd-config.js';
import { etcdConfigRead } from '../../../src/etcd/modules/etcd-config-read.js';
import { readFileSync } from 'node:fs';
import type { PutOptions } from '../../../src/transport/types.js';
import { fakeContext, ScriptedTransport, type Rule } from './fake-host.js';

// ---------------------------------------------------------------- environment files

const ENV = `# etcd member configuration
ETCD_NAME=etcd1
ETCD_HEARTBEAT_INTERVAL=100
ETCD_ELECTION_TIMEOUT=1000
ETCD_INITIAL_CLUSTER=etcd1=http://10.0.0.1:2380,etcd2=http://10.0.0.2:2380
ETCD_INITIAL_CLUSTER_STATE=new
`;

const envCases: Array<{ title: string; text: string; set: Record<string, string>; want: string; before: Record<string, string | null> }> = [
  {
    title: 'replaces values in place, keeps everything else',
    text: ENV,
    set: { 'heartbeat-interval': '500', 'election-timeout': '5000' },
    want: ENV.replace('INTERVAL=100', 'INTERVAL=500').replace('TIMEOUT=1000', 'TIMEOUT=5000'),
    before: { 'heartbeat-interval': '100', 'election-timeout': '1000' },
  },
  {
    title: 'initial-cluster does not touch initial-cluster-state (and the other way round)',
    text: ENV,
    set: { 'initial-cluster': 'etcd1=http://10.0.0.1:2380', 'initial-cluster-state': 'existing' },
    want: ENV.replace(/ETCD_INITIAL_CLUSTER=.*/, 'ETCD_INITIAL_CLUSTER=etcd1=http://10.0.0.1:2380').replace('STATE=new', 'STATE=existing'),
    before: { 'initial-cluster': 'etcd1=http://10.0.0.1:2380,etcd2=http://10.0.0.2:2380', 'initial-cluster-state': 'new' },
  },
  {
    title: 'a missing variable is appended',
    text: 'ETCD_NAME=etcd1\n',
    set: { 'quota-backend-bytes': '4294967296' },
    want: 'ETCD_NAME=etcd1\nETCD_QUOTA_BACKEND_BYTES=4294967296\n',
    before: { 'quota-backend-bytes': null },
  },
  {
    title: 'a file without a final newline gets one when a line is appended',
    text: 'ETCD_NAME=etcd1',
    set: { 'auto-compaction-retention': '1' },
    want: 'ETCD_NAME=etcd1\nETCD_AUTO_COMPACTION_RETENTION=1\n',
    before: { 'auto-compaction-retention': null },
  },
  {
    title: 'quoting, export and indentation are kept; every assignment is changed',
    text: 'export ETCD_ELECTION_TIMEOUT="1000"\n  ETCD_ELECTION_TIMEOUT = 2000\n#ETCD_ELECTION_TIMEOUT=3\n',
    set: { 'election-timeout': '5000' },
    want: 'export ETCD_ELECTION_TIMEOUT="5000"\n  ETCD_ELECTION_TIMEOUT=5000\n#ETCD_ELECTION_TIMEOUT=3\n',
    before: { 'election-timeout': '2000' },
  },
  {
    title: 'values that need it are quoted',
    text: '',
    set: { 'log-outputs': 'a b' },
    want: 'ETCD_LOG_OUTPUTS="a b"\n',
    before: { 'log-outputs': null },
  },
];

for (const c of envCases) {
  test(`env file: ${c.title}`, (t) => {
    const r = setEnvOptions(c.text, c.set);
    t.is(r.text, c.want);
    t.deepEqual(r.before, c.before);
    t.is(r.changed, c.want !== c.text);
  });
}

test('env file: the same values again change nothing', (t) => {
  const r = setEnvOptions(ENV, { 'heartbeat-interval': '100' });
  t.false(r.changed);
  t.is(r.text, ENV);
});

test('env file: read back what was set, the last assignment winning', (t) => {
  t.deepEqual(readEnvOptions('ETCD_X=1\nETCD_X="2"\n', ['x', 'y']), { x: '2', y: null });
});

test('env file: refuses line breaks and bad option names', (t) => {
  t.throws(() => setEnvOptions(ENV, { name: 'a\nETCD_EVIL=1' }), { message: /line break/ });
  t.throws(() => setEnvOptions(ENV, { '--name': 'x' }), { message: /not an etcd option name/ });
});

// ---------------------------------------------------------------- unit files

const MULTILINE = `[Unit]
Description=etcd

[Service]
Type=notify
ExecStart=/data/kube/bin/etcd \\
  --name=etcd1 \\
  --initial-cluster=etcd1=https://10.0.0.1:2380,etcd2=https://10.0.0.2:2380 \\
  --initial-cluster-state=new \\
  --heartbeat-interval 100 \\
  --data-dir=/var/lib/etcd
Restart=always

[Install]
WantedBy=multi-user.target
`;

test('unit: flags on continuation lines keep their spelling and get the new value', (t) => {
  const r = setUnitFlags(MULTILINE, { 'heartbeat-interval': '500', 'initial-cluster-state': 'existing' });
  t.is(r.text, MULTILINE.replace('--heartbeat-interval 100', '--heartbeat-interval 500').replace('--initial-cluster-state=new', '--initial-cluster-state=existing'));
  t.deepEqual(r.before, { 'heartbeat-interval': '100', 'initial-cluster-state': 'new' });
});

test('unit: --initial-cluster is not mistaken for --initial-cluster-state', (t) => {
  const r = setUnitFlags(MULTILINE, { 'initial-cluster': 'etcd1=https://10.0.0.1:2380' });
  t.regex(r.text, /--initial-cluster=etcd1=https:\/\/10\.0\.0\.1:2380 \\\n {2}--initial-cluster-state=new/);
});

test('unit: a missing flag is appended to the last line of the command', (t) => {
  const r = setUnitFlags(MULTILINE, { 'election-timeout': '5000' });
  t.regex(r.text, /--data-dir=\/var\/lib\/etcd --election-timeout=5000\nRestart=always/);
  t.deepEqual(r.before, { 'election-timeout': null });
});

test('unit: one-line ExecStart, single-dash and quoted spellings', (t) => {
  const unit = '[Service]\nExecStart=/usr/bin/etcd -name=etcd1 "--election-timeout=1000" --heartbeat-interval=100\n';
  t.deepEqual(readUnitFlags(unit, ['name', 'election-timeout', 'heartbeat-interval', 'quota-backend-bytes']), {
    name: 'etcd1',
    'election-timeout': '1000',
    'heartbeat-interval': '100',
    'quota-backend-bytes': null,
  });
  const r = setUnitFlags(unit, { 'heartbeat-interval': '250' });
  t.is(r.text, '[Service]\nExecStart=/usr/bin/etcd -name=etcd1 "--election-timeout=1000" --heartbeat-interval=250\n');
});

test('unit: ExecStart outside [Service] and an ExecStart= reset are not the command', (t) => {
  const unit = '[Unit]\nExecStart=/bin/false --heartbeat-interval=1\n[Service]\nExecStart=\nExecStart=/usr/bin/etcd --heartbeat-interval=100\n';
  const r = setUnitFlags(unit, { 'heartbeat-interval': '300' });
  t.is(r.text, '[Unit]\nExecStart=/bin/false --heartbeat-interval=1\n[Service]\nExecStart=\nExecStart=/usr/bin/etcd --heartbeat-interval=300\n');
});

test('unit: no ExecStart, and values that would need quoting, are refused', (t) => {
  t.throws(() => setUnitFlags('[Service]\nType=simple\n', { name: 'x' }), { message: /no ExecStart=/ });
  t.throws(() => setUnitFlags(MULTILINE, { name: 'a b' }), { message: /would need quoting/ });
});

// ---------------------------------------------------------------- the module

/** a host whose files are served from memory; puts are captured */
class FileHost extends ScriptedTransport {
  readonly written = new Map<string, Buffer>();
  constructor(
    host: string,
    private readonly files: Record<string, string>,
    rules: Rule[] = [],
  ) {
    super(host, rules);
  }
  // the base class's get() takes no path; this one serves the file asked for
  override async get(...args: unknown[]): Promise<Readable> {
    const path = String(args[0]);
    const f = this.files[path];
    if (f === undefined) throw new Error(`no file ${path}`);
    return Readable.from([Buffer.from(f)]);
  }
  override async put(source: Buffer | string | Readable, dest: string, opts?: PutOptions): Promise<void> {
    await super.put(source, dest, opts);
    this.written.set(dest, Buffer.isBuffer(source) ? source : Buffer.from(String(source)));
  }
}

const statOf = (size: number) => ({ stdout: `regular file|644|root|root|0|0|${size}\n${'0'.repeat(64)}  -\n` });

const inventory = (vars: Record<string, unknown>) => ({ hosts: { node1: { ansible_host: '10.0.0.1', ...vars }, node2: {} } });

test('module: sets ETCD_* variables in etcd_config_file with a backup and reports the old values', async (t) => {
  const h = new FileHost('node1', { '/etc/etcd/etcd.conf': ENV }, [[/^if test -e/, statOf(ENV.length)]]);
  const ctx = fakeContext(h, inventory({ etcd_config_file: '/etc/etcd/etcd.conf' }));
  const r = await etcdConfig.run(ctx, etcdConfig.schema.parse({ set: { 'heartbeat-interval': 500, 'election-timeout': 5000 } }));
  t.falsy(r.failed, r.msg);
  t.true(r.changed);
  t.regex(r.msg!, /^set heartbeat-interval 100 -> 500, election-timeout 1000 -> 5000 in \/etc\/etcd\/etcd\.conf \(backup: \/etc\/etcd\/etcd\.conf\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~\)$/);
  t.like(r.data, { path: '/etc/etcd/etcd.conf', style: 'env', before: { 'heartbeat-interval': '100', 'election-timeout': '1000' } });
  const [tmp, content] = [...h.written][0]!;
  t.regex(tmp, /^\/etc\/etcd\/\.etcd\.conf\.runbook-tmp-/);
  t.is(content.toString(), ENV.replace('INTERVAL=100', 'INTERVAL=500').replace('TIMEOUT=1000', 'TIMEOUT=5000'));
  // the backup copy and the rename happen in one command, after the sha256 check
  const [finish] = h.matching(/^fail\(\)/);
  t.regex(finish!, /cp -p -- \/etc\/etcd\/etcd\.conf '(\S+runbook-tmp-[0-9a-f]+)' \|\| fail\nmv -f -T -- '\1' '\/etc\/etcd\/etcd\.conf\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~'/);
  t.regex(finish!, /mv -f -T -- \S+runbook-tmp-\S+ \/etc\/etcd\/etcd\.conf/);
});

test('module: flags style edits the unit systemd loaded', async (t) => {
  const h = new FileHost('node1', { '/usr/lib/systemd/system/etcd.service': MULTILINE }, [
    [/^systemctl show -p FragmentPath etcd\.service/, { stdout: 'FragmentPath=/usr/lib/systemd/system/etcd.service\n' }],
    [/^if test -e/, statOf(MULTILINE.length)],
  ]);
  const ctx = fakeContext(h, inventory({ etcd_config_style: 'flags' }));
  const r = await etcdConfig.run(ctx, etcdConfig.schema.parse({ set: { 'heartbeat-interval': '500' } }));
  t.falsy(r.failed, r.msg);
  t.like(r.data, { path: '/usr/lib/systemd/system/etcd.service', style: 'flags', daemon_reload_needed: true });
  t.regex(r.msg!, /run systemctl daemon-reload$/);
  t.regex([...h.written.values()][0]!.toString(), /--heartbeat-interval 500 \\/);
});

test('module: nothing to change writes nothing', async (t) => {
  const h = new FileHost('node1', { '/etc/etcd/etcd.conf': ENV }, [[/^if test -e/, statOf(ENV.length)]]);
  const r = await etcdConfig.run(fakeContext(h, inventory({})), etcdConfig.schema.parse({ set: { 'heartbeat-interval': '100' } }));
  t.false(r.changed);
  t.regex(r.msg!, /already has heartbeat-interval=100 \(unchanged\)/);
  t.is(h.written.size, 0);
  t.deepEqual(h.matching(/^fail\(\)/), []);
});

test('module: check mode reads and reports, writes nothing', async (t) => {
  const h = new FileHost('node1', { '/etc/etcd/etcd.conf': ENV }, [[/^if test -e/, statOf(ENV.length)]]);
  const r = await etcdConfig.run(fakeContext(h, inventory({}), { check: true }), etcdConfig.schema.parse({ set: { 'heartbeat-interval': '300' } }));
  t.true(r.changed);
  t.regex(r.msg!, /^would set heartbeat-interval 100 -> 300/);
  t.is(h.written.size, 0);
});

test('module: a missing file and an ExecStart-less unit are failures with a reason', async (t) => {
  const missing = new FileHost('node1', {}, [[/^if test -e/, { stdout: 'absent\n0022\n' }]]);
  const m = await etcdConfig.run(fakeContext(missing, inventory({})), etcdConfig.schema.parse({ set: { name: 'x' } }));
  t.true(m.failed);
  t.regex(m.msg!, /\/etc\/etcd\/etcd\.conf does not exist on node1: set etcd_config_file/);

  const unit = '[Service]\nType=simple\n';
  const bare = new FileHost('node1', { '/etc/systemd/system/etcd.service': unit }, [[/^if test -e/, statOf(unit.length)]]);
  const b = await etcdConfig.run(fakeContext(bare, inventory({ etcd_config_style: 'flags', etcd_unit_file: '/etc/systemd/system/etcd.service' })), etcdConfig.schema.parse({ set: { name: 'x' } }));
  t.true(b.failed);
  t.regex(b.msg!, /no ExecStart=/);
});

test('schema: option names are flags without dashes, and something must be set', (t) => {
  t.false(etcdConfig.schema.safeParse({ set: { '--name': 'x' } }).success);
  t.false(etcdConfig.schema.safeParse({ set: {} }).success);
  t.true(etcdConfig.schema.safeParse({ set: { 'heartbeat-interval': 100, 'strict-reconfig-check': true } }).success);
});

// ---------------------------------------------------------------- static pods

const MANIFEST = readFileSync(new URL('../../fixtures/manifests/kubeadm-etcd.yaml', import.meta.url), 'utf8');
const MANIFEST_PATH = '/etc/kubernetes/manifests/etcd.yaml';

test('module: a static pod manifest is edited through /etc/kubernetes/tmp, never a temp file or backup in the manifests dir', async (t) => {
  const h = new FileHost('node1', { [MANIFEST_PATH]: MANIFEST }, [[/^if test -e/, statOf(MANIFEST.length)]]);
  const r = await etcdConfig.run(fakeContext(h, inventory({ etcd_config_style: 'static_pod' })), etcdConfig.schema.parse({ set: { 'heartbeat-interval': 500, 'snapshot-count': 20000 } }));
  t.falsy(r.failed, r.msg);
  t.true(r.changed);
  t.like(r.data, { path: MANIFEST_PATH, style: 'static_pod', style_detected: false, restarts_itself: true, before: { 'heartbeat-interval': null, 'snapshot-count': '10000' } });
  t.regex(r.msg!, /^set heartbeat-interval \(unset\) -> 500, snapshot-count 10000 -> 20000 in \/etc\/kubernetes\/manifests\/etcd\.yaml \(backup: \/etc\/kubernetes\/tmp\/etcd\.yaml\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~\); the kubelet restarts the pod$/);
  const [[tmp, content]] = [...h.written];
  t.regex(tmp!, /^\/etc\/kubernetes\/tmp\/\.etcd\.yaml\.runbook-tmp-[0-9a-f]+$/);
  t.is(content!.toString(), MANIFEST.replace('--snapshot-count=10000', '--snapshot-count=20000').replace('ca.crt\n    image:', 'ca.crt\n    - --heartbeat-interval=500\n    image:'));
  t.true(h.commands.some((c) => c === "mkdir -p -m 0700 -- /etc/kubernetes/tmp"));
  const [finish] = h.matching(/^fail\(\)/);
  t.regex(finish!, /cp -p -- \/etc\/kubernetes\/manifests\/etcd\.yaml '\/etc\/kubernetes\/tmp\/\.etcd\.yaml\.[^']+~\.runbook-tmp-[0-9a-f]+'/);
  t.regex(finish!, /mv -f -T -- '\/etc\/kubernetes\/tmp\/\.etcd\.yaml\.[^']+~\.runbook-tmp-[0-9a-f]+' '\/etc\/kubernetes\/tmp\/etcd\.yaml\.[^']+~'/);
  t.regex(finish!, /mv -f -T -- \/etc\/kubernetes\/tmp\/\.etcd\.yaml\.runbook-tmp-[0-9a-f]+ \/etc\/kubernetes\/manifests\/etcd\.yaml/);
  // nothing ever named inside the manifests dir except the manifest itself
  for (const c of [...h.commands, ...h.puts.map((p) => p.dest)]) {
    for (const m of c.matchAll(/\/etc\/kubernetes\/manifests\/[^\s';]*/g)) t.is(m[0], MANIFEST_PATH, c);
  }
});

test('module: the style is detected from the host when the inventory does not give it', async (t) => {
  const h = new FileHost('node1', { [MANIFEST_PATH]: MANIFEST }, [
    [/^if test -f \/etc\/kubernetes\/manifests\/etcd\.yaml \|\| test -f \/etc\/kubernetes\/manifests-parked\/etcd\.yaml; then echo static_pod/, { stdout: 'static_pod\n' }],
    [/^if test -e/, statOf(MANIFEST.length)],
  ]);
  const r = await etcdConfig.run(fakeContext(h, inventory({}), { check: true }), etcdConfig.schema.parse({ set: { 'election-timeout': 5000 } }));
  t.falsy(r.failed, r.msg);
  t.like(r.data, { style: 'static_pod', style_detected: true, path: MANIFEST_PATH });
  t.regex(r.msg!, /^would set election-timeout \(unset\) -> 5000 in \/etc\/kubernetes\/manifests\/etcd\.yaml$/);
  t.is(h.written.size, 0);
});

test('module: a manifest that is not valid YAML fails naming file:line:col, nothing written', async (t) => {
  const broken = MANIFEST.replace('    - --name=node2', '    - --name=node2\n   oops: [');
  const h = new FileHost('node1', { [MANIFEST_PATH]: broken }, [[/^if test -e/, statOf(broken.length)]]);
  const r = await etcdConfig.run(fakeContext(h, inventory({ etcd_config_style: 'static_pod' })), etcdConfig.schema.parse({ set: { 'heartbeat-interval': 500 } }));
  t.true(r.failed);
  t.regex(r.msg!, /^\/etc\/kubernetes\/manifests\/etcd\.yaml:30:\d+: not valid YAML: .*; nothing was changed$/);
  t.is(h.written.size, 0);
  t.deepEqual(h.matching(/^fail\(\)|^mkdir/), []);
});

test('module: restore puts a backup back through the staging dir, atomically', async (t) => {
  const backup = '/etc/kubernetes/tmp/etcd.yaml.2026-01-02@03:04:05~';
  const h = new FileHost('node1', {}, [
    [/^if test -e '\/etc\/kubernetes\/tmp/, { stdout: `regular file|600|root|root|0|0|10\n${'1'.repeat(64)}  -\n` }],
    [/^if test -e/, statOf(10)],
  ]);
  const r = await etcdConfig.run(fakeContext(h, inventory({ etcd_config_style: 'static_pod' })), etcdConfig.schema.parse({ restore: backup }));
  t.falsy(r.failed, r.msg);
  t.true(r.changed);
  const [cmd] = h.matching(/^mkdir -p -m 0700 -- \/etc\/kubernetes\/tmp && cp -p/);
  t.regex(cmd!, /cp -p -- '\/etc\/kubernetes\/tmp\/etcd\.yaml\.2026-01-02@03:04:05~' \/etc\/kubernetes\/tmp\/\.etcd\.yaml\.runbook-restore-run42 && mv -f -- \/etc\/kubernetes\/tmp\/\.etcd\.yaml\.runbook-restore-run42 \/etc\/kubernetes\/manifests\/etcd\.yaml/);

  const same = new FileHost('node1', {}, [[/^if test -e/, statOf(10)]]);
  const s = await etcdConfig.run(fakeContext(same, inventory({ etcd_config_style: 'static_pod' })), etcdConfig.schema.parse({ restore: backup }));
  t.false(s.changed);
  t.deepEqual(same.matching(/cp -p/), []);
});

test('schema: set and restore exclude each other', (t) => {
  t.false(etcdConfig.schema.safeParse({}).success);
  t.false(etcdConfig.schema.safeParse({ set: { name: 'x' }, restore: '/a~' }).success);
  t.true(etcdConfig.schema.safeParse({ restore: '/a~' }).success);
});

test('etcd_config_read: reports the style, the file and its values, and whether the edit can be made', async (t) => {
  const h = new FileHost('node1', { [MANIFEST_PATH]: MANIFEST }, [
    [/^if test -f \/etc\/kubernetes\/manifests\/etcd\.yaml \|\| test -f \/etc\/kubernetes\/manifests-parked\/etcd\.yaml; then echo static_pod/, { stdout: 'static_pod\n' }],
    [/^if test -e/, statOf(MANIFEST.length)],
  ]);
  const r = await etcdConfigRead.run(fakeContext(h, inventory({})), etcdConfigRead.schema.parse({ options: ['heartbeat-interval', 'snapshot-count'], set: { 'heartbeat-interval': 500 } }));
  t.falsy(r.failed, r.msg);
  t.false(r.changed);
  t.like(r.data, { style: 'static_pod', style_detected: true, path: MANIFEST_PATH, would_change: true, options: { 'heartbeat-interval': null, 'snapshot-count': '10000' } });
  t.is(r.msg, '/etc/kubernetes/manifests/etcd.yaml (static_pod, detected): heartbeat-interval=(unset), snapshot-count=10000; the edit can be made');
  t.is(h.written.size, 0);
  t.true(etcdConfigRead.readOnly);
});

test('etcd_config_read: a manifest whose flag it cannot edit fails naming file:line:col', async (t) => {
  const twoItems = MANIFEST.replace('    - --name=node2', '    - --name\n    - node2');
  const h = new FileHost('node1', { [MANIFEST_PATH]: twoItems }, [[/^if test -e/, statOf(twoItems.length)]]);
  const r = await etcdConfigRead.run(fakeContext(h, inventory({ etcd_config_style: 'static_pod' })), etcdConfigRead.schema.parse({ set: { 'heartbeat-interval': 500 } }));
  t.true(r.failed);
  t.is(r.msg, '/etc/kubernetes/manifests/etcd.yaml:29:7: --name takes its value from the next item: write it as one item --name=node2; nothing was changed');
});
