/**
 * The etcd run lock against a real single-member etcd on this machine (skipped when no etcd
 * binary is installed). The client connects straight to it; in a run the same client goes
 * through an SSH forward (etcd-lock-connect.ts), which changes nothing about the protocol.
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { EtcdLockBackend } from '../../../src/schedule/etcd-lock.js';
import { acquireLock, LockHeldError, type LockHolder } from '../../../src/schedule/lock.js';

const haveEtcd = spawnSync('etcd', ['--version']).status === 0;
const maybe = haveEtcd ? test.serial : test.skip;

let etcd: ChildProcess | undefined;
let url = '';
let dataDir = '';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test.before(async () => {
  if (!haveEtcd) return;
  const [client, peer] = [await freePort(), await freePort()];
  dataDir = mkdtempSync(join(tmpdir(), 'etcd-lock-'));
  url = `http://127.0.0.1:${client}`;
  etcd = spawn('etcd', [
    '--name', 'lock-test', '--data-dir', dataDir,
    '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `lock-test=http://127.0.0.1:${peer}`,
  ], { stdio: 'ignore' });
  const probe = new Etcd3({ hosts: url });
  for (let i = 0; i < 100; i++) {
    try {
      await probe.get('probe').string();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  probe.close();
});

test.after.always(() => {
  etcd?.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** a backend as one scheduler replica would have it, with its own client */
function replica(ttlSeconds = 30) {
  const clients: Etcd3[] = [];
  const backend = new EtcdLockBackend({
    ttlSeconds,
    connect: async () => {
      const client = new Etcd3({ hosts: url });
      clients.push(client);
      return { client, via: 'test', close: async () => client.close() };
    },
  });
  return { backend };
}

const holder = (host: string, pid: number): LockHolder => ({ user: 'ops', host, pid, since: new Date().toISOString() });

maybe('a second replica is refused with the holder, and gets the lock once it is released', async (t) => {
  const a = replica();
  const b = replica();
  const lock = await acquireLock(a.backend, 'prod--etcd', holder('sched-a', 11));
  await lock.update({ runId: 'run-a' });
  const err = await t.throwsAsync(acquireLock(b.backend, 'prod--etcd', holder('sched-b', 22)), { instanceOf: LockHeldError });
  t.regex(err!.message, /etcd key runbook\/locks\/prod--etcd\): ops@sched-a pid 11, run run-a/);
  await lock.release();
  const second = await acquireLock(b.backend, 'prod--etcd', holder('sched-b', 22));
  t.is(second.holder.host, 'sched-b');
  await second.release();
});

maybe('a crashed holder\'s lock expires with its lease', async (t) => {
  // a real crash: another process takes the lock with a 2 s lease and is killed with SIGKILL
  const lockModule = new URL('../../../src/schedule/etcd-lock.ts', import.meta.url).href;
  const script = `
    import { Etcd3 } from 'etcd3';
    import { EtcdLockBackend } from '${lockModule}';
    const backend = new EtcdLockBackend({ ttlSeconds: 2, connect: async () => ({ client: new Etcd3({ hosts: '${url}' }), close: async () => {} }) });
    const r = await backend.tryAcquire('crash', { user: 'ops', host: 'sched-a', pid: process.pid, since: new Date().toISOString() });
    console.log(r.ok ? 'locked' : 'refused');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  t.is(first, 'locked');
  const b = replica();
  await t.throwsAsync(acquireLock(b.backend, 'crash', holder('sched-b', 22)), { instanceOf: LockHeldError });
  child.kill('SIGKILL');
  const started = Date.now();
  const lock = await acquireLock(b.backend, 'crash', holder('sched-b', 22), { waitMs: 15_000, pollMs: 250 });
  t.true(Date.now() - started < 15_000);
  t.is(lock.holder.host, 'sched-b');
  await lock.release();
});

maybe('each tick of a job is claimed once across replicas', async (t) => {
  const a = replica();
  const b = replica();
  const tick = new Date('2026-11-22T12:00:00Z');
  const la = await acquireLock(a.backend, 'ticks', holder('sched-a', 1));
  t.true(await la.claimTick!('prod-backup', tick));
  await la.release();
  // replica b's clock is late: it reaches the same tick after a finished
  const lb = await acquireLock(b.backend, 'ticks', holder('sched-b', 2));
  t.false(await lb.claimTick!('prod-backup', tick));
  t.false(await lb.claimTick!('prod-backup', new Date('2026-11-22T06:00:00Z')));
  t.true(await lb.claimTick!('prod-backup', new Date('2026-11-22T18:00:00Z')));
  t.true(await lb.claimTick!('other-job', tick));
  await lb.release();
});

maybe('replicas racing for one lock: exactly one wins', async (t) => {
  const replicas = Array.from({ length: 8 }, () => replica());
  const results = await Promise.allSettled(replicas.map((r, i) => acquireLock(r.backend, 'race', holder(`sched-${i}`, i))));
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'fulfilled') await r.value.release();
});
