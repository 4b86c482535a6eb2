import test from 'ava';
import { effectiveOption, parseFlags } from '../../../src/etcd/modules/config-text.js';
import { etcdRunningConfig, parseProbe, podProbeCommand, probeCommand } from '../../../src/etcd/modules/etcd-running-config.js';
import { fakeContext, ScriptedTransport } from './fake-host.js';

const b64 = (parts: string[]) => Buffer.from(parts.map((p) => `${p}\0`).join('')).toString('base64');

function probeOutput(argv: string[], env: string[], pid = 4242): string {
  return `pid=${pid}\ncomm=etcd\ncmdline=${b64(argv)}\nenviron=${b64(env)}\n`;
}

const inventory = { hosts: { node1: { ansible_host: '10.0.0.1', etcd_service: 'etcd' } } };

function host(stdout: string, exitCode = 0, stderr = '') {
  return new ScriptedTransport('node1', [[/^pid=\$\(systemctl show -p MainPID etcd\.service/, { stdout, exitCode, stderr }]]);
}

const run = (h: ScriptedTransport, args: Record<string, unknown>) =>
  etcdRunningConfig.run(fakeContext(h, inventory), etcdRunningConfig.schema.parse(args));

test('flags win over ETCD_* variables, which win over the defaults', (t) => {
  const argv = ['/usr/bin/etcd', '--election-timeout=5000', '-name', 'etcd1'];
  const env = { ETCD_ELECTION_TIMEOUT: '2000', ETCD_HEARTBEAT_INTERVAL: '200' };
  t.deepEqual(effectiveOption('election-timeout', argv, env), { value: '5000', source: 'flag' });
  t.deepEqual(effectiveOption('heartbeat-interval', argv, env), { value: '200', source: 'env' });
  t.deepEqual(effectiveOption('quota-backend-bytes', argv, env), { value: '0', source: 'default' });
  t.deepEqual(effectiveOption('name', argv, env), { value: 'etcd1', source: 'flag' });
  t.deepEqual(effectiveOption('listen-metrics-urls', argv, env), { value: null, source: 'unset' });
});

test('a config file is all that counts when there is one', (t) => {
  const argv = ['/usr/bin/etcd', '--config-file=/etc/etcd/etcd.yaml', '--heartbeat-interval=300'];
  t.deepEqual(effectiveOption('heartbeat-interval', argv, {}, { 'heartbeat-interval': 250 }), { value: '250', source: 'config-file' });
  t.deepEqual(effectiveOption('election-timeout', argv, {}, {}), { value: '1000', source: 'default' });
});

test('command-line parsing: =, separate values, bare booleans', (t) => {
  t.deepEqual(
    [...parseFlags(['etcd', '--a=1', '--b', '2', '--c', '--d=x=y', 'stray', '-e=3'])],
    [
      ['a', '1'],
      ['b', '2'],
      ['c', 'true'],
      ['d', 'x=y'],
      ['e', '3'],
    ],
  );
});

test('the probe output is parsed from base64, NUL-separated', (t) => {
  const p = parseProbe(probeOutput(['/usr/bin/etcd', '--x=a b'], ['ETCD_Y=1', 'PATH=/bin']));
  t.is(p.pid, 4242);
  t.deepEqual(p.argv, ['/usr/bin/etcd', '--x=a b']);
  t.deepEqual(p.environ, { ETCD_Y: '1', PATH: '/bin' });
  t.is(parseProbe('pid=0\n').pid, 0);
});

test('the probe asks systemd for the main pid and reads /proc as the task user', (t) => {
  const cmd = probeCommand('etcd.service');
  t.regex(cmd, /^pid=\$\(systemctl show -p MainPID etcd\.service 2>\/dev\/null/);
  t.regex(cmd, /pgrep -P "\$pid" -x etcd/);
  t.regex(cmd, /base64 -w 0 < \/proc\/\$pid\/environ/);
});

test('reports the running values and where they come from', async (t) => {
  const h = host(probeOutput(['/usr/bin/etcd'], ['ETCD_HEARTBEAT_INTERVAL=200', 'ETCD_ELECTION_TIMEOUT=2000']));
  const r = await run(h, { options: ['heartbeat-interval', 'election-timeout', 'quota-backend-bytes'] });
  t.falsy(r.failed, r.msg);
  t.false(r.changed);
  t.deepEqual(r.data!.options, { 'heartbeat-interval': '200', 'election-timeout': '2000', 'quota-backend-bytes': '0' });
  t.deepEqual(r.data!.sources, { 'heartbeat-interval': 'env', 'election-timeout': 'env', 'quota-backend-bytes': 'default' });
  t.is(r.msg, 'etcd (pid 4242) on node1: heartbeat-interval=200 (env), election-timeout=2000 (env), quota-backend-bytes=0 (default)');
  // every probe runs with the task's become: /proc/PID/environ is root-only
  t.true(h.execOptions.every((o) => o.become !== false && o.become !== undefined));
});

test('expect: a value that is not in force fails and says which', async (t) => {
  const h = host(probeOutput(['/usr/bin/etcd', '--election-timeout=1000'], ['ETCD_ELECTION_TIMEOUT=5000', 'ETCD_HEARTBEAT_INTERVAL=500']));
  const r = await run(h, { options: ['heartbeat-interval', 'election-timeout'], expect: { 'heartbeat-interval': 500, 'election-timeout': 5000 } });
  t.true(r.failed);
  t.is(r.msg, 'etcd (pid 4242) on node1 runs with election-timeout=1000 (flag), expected 5000');
  t.deepEqual(r.data!.mismatches, [{ option: 'election-timeout', expected: '5000', actual: '1000', source: 'flag' }]);
});

test('a unit that is not running, and an unreadable /proc, fail with a reason', async (t) => {
  const stopped = await run(host('pid=0\n'), { options: ['heartbeat-interval'] });
  t.true(stopped.failed);
  t.regex(stopped.msg!, /etcd\.service is not running on node1/);
  const denied = await run(host('pid=7\n', 13, 'cat: /proc/7/environ: Permission denied'), { options: ['heartbeat-interval'] });
  t.true(denied.failed);
  t.regex(denied.msg!, /Permission denied \(run the task with become: true\)$/);
});

test('static pod: the probe finds the etcd process by its --name (run here, on a real process)', async (t) => {
  const { mkdtempSync, writeFileSync, chmodSync, rmSync } = await import('node:fs');
  const { spawn, execFileSync } = await import('node:child_process');
  const dir = mkdtempSync('/tmp/kc-probe-');
  const name = `probe-${process.pid}-${Date.now()}`;
  // a script named etcd: the kernel names the process after it, as for the real binary
  writeFileSync(`${dir}/etcd`, '#!/bin/sh\nsleep 30\n');
  chmodSync(`${dir}/etcd`, 0o755);
  const child = spawn(`${dir}/etcd`, [`--name=${name}`, '--heartbeat-interval=250'], { stdio: 'ignore', env: { ...process.env, ETCD_ELECTION_TIMEOUT: '2500' } });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const out = execFileSync('/bin/sh', ['-c', podProbeCommand(name)], { encoding: 'utf8' });
    const p = parseProbe(out);
    t.is(p.pid, child.pid ?? -1);
    t.is(p.comm, 'etcd');
    t.true(p.argv.includes(`--name=${name}`));
    t.is(p.environ.ETCD_ELECTION_TIMEOUT, '2500');
  } finally {
    execFileSync('pkill', ['-P', String(child.pid)]);
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('static pod: the module probes by member name and reads flags from the command line', async (t) => {
  const argv = ['etcd', '--name=node1', '--heartbeat-interval=500', '--election-timeout=5000'];
  const h = new ScriptedTransport('node1', [[/^pid=""\nfor p in \$\(pgrep -x etcd/, { stdout: probeOutput(argv, ['PATH=/bin']) }]]);
  const ctx = fakeContext(h, { hosts: { node1: { ansible_host: '10.0.0.1', etcd_config_style: 'static_pod' } } });
  const r = await etcdRunningConfig.run(ctx, etcdRunningConfig.schema.parse({ options: ['heartbeat-interval', 'election-timeout'], expect: { 'heartbeat-interval': 500 } }));
  t.falsy(r.failed, r.msg);
  t.like(r.data, { style: 'static_pod', options: { 'heartbeat-interval': '500', 'election-timeout': '5000' } });
  t.regex(h.commands[0]!, /grep -qxF -e --name=node1/);
  t.deepEqual(h.matching(/systemctl/), []);
});
