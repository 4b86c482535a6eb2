/**
 * Backups to object storage through the real command line: a real 3-member etcd 3.4 sandbox
 * (`s3backup`) over real SSH, and a real S3-compatible server on 127.0.0.1 (s3rver behind a
 * recording proxy, test/helpers/s3-server.ts; test/cluster/README.md says why this server).
 *
 *  1. 2000 keys are backed up encrypted with age to s3://…/prod; `backups list` shows it; the
 *     stored object is checked with the `age` command, gunzip and `etcdctl snapshot status`.
 *  2. a restore with the wrong identity is refused in preflight; nothing changes on any member.
 *  3. every member loses its data; the restore from the s3:// URL brings back 2000 of 2000 keys.
 *  4. an upload interrupted midway (Ctrl-C while a part is in flight) is aborted and leaves no
 *     listed backup and no object.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import test from 'ava';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../src/backup/s3-client.js';
import { parseS3Prefix } from '../../src/backup/s3-location.js';
import { S3BackupStore } from '../../src/backup/s3-store.js';
import { childOutput } from '../helpers/child-output.js';
import { eventually, getPrefix, memberDiskState, putEntries, stopEtcd, waitHealthy } from '../helpers/etcd-data.js';
import { CliSession, cliCommand, describeRun, failedPreflightChecks, parseEvents, repoRoot, runCli } from '../helpers/runbook-cli.js';
import { startTestS3, type TestS3 } from '../helpers/s3-server.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';
import { makeAgeKeys } from '../helpers/age-keys.js';

const sandbox = useSandbox(test, { name: 's3backup' });
const cli = new CliSession('backup-s3-e2e-');
const BACKUP = 'playbooks/etcd-backup.yaml';
const RESTORE = 'playbooks/restore-etcd.yaml';
const DATA_DIR = '/var/lib/etcd/default';
const KEYS = 2000;
const PREFIX = 's3-e2e/';

let s3: TestS3;
let keyFile = '';
let wrongKeyFile = '';
let recipient = '';
const shared: { url?: string; keys?: Map<string, string> } = {};

test.before(async () => {
  s3 = await startTestS3();
  // the command line reads endpoint, credentials and path style from the AWS environment
  Object.assign(process.env, s3.env);
  ({ keyFile, wrongKeyFile, recipient } = makeAgeKeys(cli.dir));
});
test.after.always(async () => {
  await s3?.close();
});
test.after(() => cli.remove());

const hostNames = (sb: Sandbox) => sb.hosts.map((h) => h.inventoryName);

/** 2000 keys with ~8 KB of random (barely compressible) text each: the snapshot is several upload parts */
function bigEntries(prefix = PREFIX): Map<string, string> {
  const m = new Map<string, string>();
  // the leading "v": a value starting with "-" would read as a flag to etcdctl txn
  for (let i = 0; i < KEYS; i++) m.set(`${prefix}key-${String(i).padStart(5, '0')}`, `v${randomBytes(6000).toString('base64url')}`);
  return m;
}

async function backupsListed(url: string): Promise<Array<{ name: string; checksum?: string }>> {
  const r = await runCli(['backups', 'list', '--dir', url, '--json']);
  if (r.code !== 0) throw new Error(`backups list failed: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as Array<{ where: string; backups: Array<{ name: string; checksum?: string }> }>;
  return doc[0]!.backups;
}

test.serial('an encrypted backup of 2000 keys goes to the bucket, listed with its metadata, readable by age and etcdctl', async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  const keys = bigEntries();
  await putEntries(sb, 'node1', keys);
  const url = `s3://${s3.bucket}/prod`;
  const r = await cli.apply(BACKUP, { inventory: sb.inventoryYaml, vars: { backup_dest: url, backup_recipients: recipient, keep_last: 3 } });
  t.is(r.code, 0, describeRun(r));
  t.is(r.end?.status, 'ok', describeRun(r));
  t.false(r.stdout.includes('AGE-SECRET-KEY'), 'no secret key printed');

  const listed = await backupsListed(url);
  t.is(listed.length, 1, JSON.stringify(listed));
  const name = listed[0]!.name;
  t.regex(name, /^etcd-etcd-\d{8}T\d{6}Z-rev\d+\.db\.gz\.age$/);
  t.is(listed[0]!.checksum, `${name}.meta.json`);

  const client = await s3Client();
  const get = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToByteArray());
  const meta = JSON.parse((await get(`prod/${name}.meta.json`)).toString()) as Record<string, unknown>;
  t.like(meta, { cluster: 'etcd', compression: 'gzip', encryption: { kind: 'age', recipients: [recipient] }, runbook_version: '0.1.0' });
  t.true((meta.keys as number) >= KEYS, `keys recorded: ${String(meta.keys)}`);
  t.regex(String(meta.etcd_version), /^3\.4\./);
  t.regex(String(meta.cluster_id), /^[0-9a-f]+$/);

  // checked without runbook: age decrypts it, gunzip unpacks it, sha256 and etcdctl agree with the metadata
  const object = await get(`prod/${name}`);
  const plainFile = join(cli.dir, 'check.db');
  execFileSync('sh', ['-c', `age -d -i "$1" | gunzip > "$2"`, 'sh', keyFile, plainFile], { input: object });
  t.is(execFileSync('sha256sum', [plainFile], { encoding: 'utf8' }).split(' ')[0], String(meta.sha256));
  const status = JSON.parse(execFileSync('etcdctl', ['snapshot', 'status', plainFile, '-w', 'json'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } })) as { revision: number };
  t.is(status.revision, Number(meta.revision));
  execFileSync('rm', ['-f', plainFile]);
  shared.url = `${url}/${name}`;
  shared.keys = keys;
});

test.serial('a restore with the wrong identity is refused in preflight and nothing changes', async (t) => {
  const sb = sandbox();
  const url = shared.url;
  if (!url) return t.fail('the backup test did not get that far');
  const before = await Promise.all(hostNames(sb).map((h) => memberDiskState(sb, h, DATA_DIR)));
  const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot: url, age_identity_file: wrongKeyFile } });
  t.is(r.code, 3, describeRun(r));
  const failedChecks = failedPreflightChecks(r);
  t.true(failedChecks.some((c) => /not encrypted for the given identity/.test(c.message ?? '')), describeRun(r));
  t.false(r.stdout.includes('AGE-SECRET-KEY'), 'no secret key printed');
  t.deepEqual(await Promise.all(hostNames(sb).map((h) => memberDiskState(sb, h, DATA_DIR))), before);
});

test.serial('every member loses its data; the restore from the s3:// URL brings back 2000 of 2000 keys', async (t) => {
  const sb = sandbox();
  const url = shared.url;
  const keys = shared.keys;
  if (!url || !keys) return t.fail('the backup test did not get that far');
  for (const h of hostNames(sb)) {
    await stopEtcd(sb, h);
    await sb.hostExec(h, `rm -rf ${DATA_DIR}; test ! -e ${DATA_DIR}`);
  }
  const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot: url, age_identity_file: keyFile }, timeoutMs: 600_000 });
  t.is(r.code, 0, describeRun(r));
  t.is(r.end?.status, 'ok', describeRun(r));
  await waitHealthy(sb, 'the restored cluster');
  for (const h of hostNames(sb)) {
    const got = await eventually(`every key on ${h}`, async () => {
      const m = await getPrefix(sb, h, PREFIX, { serializable: true });
      const wrong = [...keys].filter(([k, v]) => m.get(k) !== v).length;
      if (wrong) throw new Error(`${wrong} keys missing or wrong`);
      return m;
    });
    t.is(got.size, KEYS, `${KEYS} of ${KEYS} keys on ${h}`);
  }
});

test.serial('an upload interrupted midway is aborted: no backup listed, no object left', async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  // enough incompressible data on its own for several upload parts
  await putEntries(sb, 'node1', bigEntries('s3-e2e-interrupted/'));
  const url = `s3://${s3.bucket}/interrupted`;
  const held = s3.holdFirstPart();
  const before = s3.requests.length;
  const args = ['apply', join(repoRoot, BACKUP), '-i', sb.inventoryYaml, '-o', 'json', '--runs-dir', cli.runsDir, '--locks-dir', cli.locksDir, '--yes'];
  args.push('-e', JSON.stringify({ backup_dest: url, backup_recipients: recipient }));
  const child: ChildProcess = spawn(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const output = childOutput(child, 300_000);
  // the first part is in flight (held by the proxy): Ctrl-C now
  const reached = await Promise.race([held.then(() => true), output.then(() => false)]);
  if (!reached) {
    const o = await output;
    return t.fail(`the backup ended before any part was uploaded (exit ${o.code}): ${o.stderr.slice(-2000)}`);
  }
  child.kill('SIGINT');
  // the part may go on: the upload was already told to stop
  setTimeout(() => s3.release(), 500).unref();
  const { code, stdout, stderr } = await output;
  t.not(code, 0, `exit ${code}\n${stderr}`);
  const end = parseEvents(stdout).find((e) => e.type === 'run:end');
  t.truthy(end, stderr);
  const sent = s3.requests.slice(before);
  t.true(sent.some((q) => q.method === 'DELETE' && /uploadId=/.test(q.url)), `the multipart upload was aborted: ${sent.map((q) => `${q.method} ${q.url}`).join(', ')}`);
  t.deepEqual(await backupsListed(url), []);
  t.deepEqual(await new S3BackupStore(await s3Client(), parseS3Prefix(url)).listAll(), []);
});
