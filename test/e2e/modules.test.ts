/**
 * The generic modules over real SSH against sandbox hosts (cluster "modules", ssh only): each
 * module's happy path, idempotence and failure modes, become through the `rbops` sudo user, and
 * distribute of a 256 MB file to three hosts. Files are checked with the sandbox's own hostExec
 * (nsenter, no ssh), never with the code under test.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import test from 'ava';
import { copy } from '../../src/modules/copy.js';
import { distribute } from '../../src/modules/distribute.js';
import { fetch } from '../../src/modules/fetch.js';
import { file } from '../../src/modules/file.js';
import { lineinfile } from '../../src/modules/lineinfile.js';
import { command } from '../../src/modules/command.js';
import { shell } from '../../src/modules/shell.js';
import { systemd } from '../../src/modules/systemd.js';
import { template } from '../../src/modules/template.js';
import { waitFor } from '../../src/modules/wait-for.js';
import type { ModuleContext } from '../../src/modules/types.js';
import { resolveConnectionSpec } from '../../src/transport/connection-spec.js';
import { connectSsh } from '../../src/transport/ssh.js';
import type { Transport } from '../../src/transport/types.js';
import { moduleContext, parseArgs } from '../unit/modules/support/context.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox(test, { name: 'modules', hosts: 4, sshOnly: true });
const work = mkdtempSync(join(tmpdir(), 'rb-modules-e2e-'));
const connections = new Map<string, Promise<Transport>>();
const BECOME = { user: 'root' };

/** One connection per host and user for the whole file, as the engine keeps them. */
function connect(host: string, user: 'root' | 'rbops' = 'root'): Promise<Transport> {
  const key = `${user}@${host}`;
  let t = connections.get(key);
  if (t === undefined) {
    const sb = sandbox();
    const h = sb.host(host);
    const spec = resolveConnectionSpec(host, { address: h.ip, user, keyFile: sb.keyFile, knownHosts: sb.knownHosts }, { sshConfigFile: '/dev/null' });
    delete spec.agent;
    t = connectSsh(spec);
    connections.set(key, t);
  }
  return t;
}

async function ctxFor(host: string, over: Partial<ModuleContext> & { user?: 'root' | 'rbops' } = {}): Promise<ModuleContext> {
  const { user, ...rest } = over;
  return moduleContext(await connect(host, user), {
    vars: { playbook_dir: work, inventory_hostname: host },
    runDir: work,
    transportFor: (h) => connect(h, user),
    ...(user === 'rbops' ? { become: BECOME } : {}),
    ...rest,
  });
}

async function onHost(host: string, script: string): Promise<string> {
  return (await sandbox().hostExec(host, script)).stdout;
}

test.after.always(async () => {
  await Promise.all([...connections.values()].map(async (t) => (await t).close().catch(() => {})));
  rmSync(work, { recursive: true, force: true });
});

test('command and shell: output, failure, become through rbops', async (t) => {
  const root = await ctxFor('node1');
  t.like(await command.run(root, parseArgs(command.schema, { argv: ['printf', '%s', `it's; $(id)`] })), { changed: true, rc: 0, stdout: `it's; $(id)` });
  t.like(await shell.run(root, parseArgs(shell.schema, { cmd: 'echo err >&2; exit 4' })), { failed: true, rc: 4, stderr: 'err' });
  const asOps = await ctxFor('node1', { user: 'rbops' });
  t.like(await command.run(asOps, parseArgs(command.schema, { cmd: 'id -un' })), { stdout: 'root' });
  const plain = await ctxFor('node1', { user: 'rbops', become: false });
  t.like(await command.run(plain, parseArgs(command.schema, { cmd: 'id -un' })), { stdout: 'rbops' });
});

test('copy: become writes a root-owned 0600 file atomically; unchanged twice; backup; validate', async (t) => {
  const ctx = await ctxFor('node2', { user: 'rbops' });
  const dest = '/etc/etcd/secret.conf';
  const args = parseArgs(copy.schema, { dest, content: 'token: s3cret\n', mode: '0600', owner: 'root', group: 'root' });
  t.like(await copy.run(ctx, args), { changed: true });
  t.is(await onHost('node2', `stat -c '%a %U %G' ${dest}; cat ${dest}`), '600 root root\ntoken: s3cret\n');
  t.like(await copy.run(ctx, args), { changed: false });

  const replaced = await copy.run(ctx, parseArgs(copy.schema, { dest, content: 'token: new\n', backup: true }));
  t.like(replaced, { changed: true });
  t.is(await onHost('node2', `stat -c '%a %U' ${dest}; cat ${replaced.data.backup_file}`), '600 root\ntoken: s3cret\n');

  const invalid = await copy.run(ctx, parseArgs(copy.schema, { dest, content: 'broken\n', validate: 'grep -q token %s' }));
  t.like(invalid, { changed: false, failed: true, rc: 1 });
  t.is(await onHost('node2', `cat ${dest}; ls -a /etc/etcd | grep -c runbook-tmp || true`), 'token: new\n0\n');
});

test('template and lineinfile: render with host vars, then edit keeping mode and owner', async (t) => {
  writeFileSync(join(work, 'etcd.env.j2'), 'ETCD_NAME={{ inventory_hostname }}\nETCD_HEARTBEAT_INTERVAL=100\n');
  const ctx = await ctxFor('node3', { user: 'rbops' });
  const dest = '/etc/default/etcd';
  t.like(await template.run(ctx, parseArgs(template.schema, { src: 'etcd.env.j2', dest, mode: '0640', owner: 'rbops' })), { changed: true });
  const edit = parseArgs(lineinfile.schema, { path: dest, regexp: '^ETCD_HEARTBEAT_INTERVAL=', line: 'ETCD_HEARTBEAT_INTERVAL=250' });
  const diffed = await lineinfile.run({ ...ctx, diff: true }, edit);
  t.like(diffed, { changed: true, msg: 'line replaced' });
  t.is(diffed.diff?.[0]?.after, 'ETCD_NAME=node3\nETCD_HEARTBEAT_INTERVAL=250\n');
  t.like(await lineinfile.run(ctx, edit), { changed: false });
  t.is(await onHost('node3', `stat -c '%a %U' ${dest}; cat ${dest}`), '640 rbops\nETCD_NAME=node3\nETCD_HEARTBEAT_INTERVAL=250\n');
});

test('file: directories with mode, touch, recurse, absent, refusals', async (t) => {
  const ctx = await ctxFor('node1');
  const dir = `/var/backups/e2e dir/it's`;
  t.like(await file.run(ctx, parseArgs(file.schema, { path: dir, state: 'directory', mode: '0750' })), { changed: true });
  t.like(await file.run(ctx, parseArgs(file.schema, { path: dir, state: 'directory', mode: '0750' })), { changed: false });
  t.like(await file.run(ctx, parseArgs(file.schema, { path: `${dir}/f`, state: 'touch' })), { changed: true });
  t.like(await file.run(ctx, parseArgs(file.schema, { path: '/var/backups/e2e dir', state: 'directory', owner: 'rbops', recurse: true })), { changed: true });
  t.is(await onHost('node1', `stat -c '%a %U' "${dir}" "${dir}/f"`), '750 rbops\n644 rbops\n');
  t.like(await file.run(ctx, parseArgs(file.schema, { path: '/var/backups/e2e dir', state: 'absent' })), { changed: true });
  t.is(await onHost('node1', `test -e '/var/backups/e2e dir' && echo there || echo gone`), 'gone\n');
  t.like(await file.run(ctx, { path: '/etc', state: 'absent' }), { failed: true });
  t.is(await onHost('node1', 'test -d /etc && echo kept'), 'kept\n');
});

test('fetch: dest/<host>/<path> on the controller, verified', async (t) => {
  await onHost('node4', `printf 'member data\\n' > /var/backups/fetch-me.txt`);
  const ctx = await ctxFor('node4', { user: 'rbops' });
  const r = await fetch.run(ctx, parseArgs(fetch.schema, { src: '/var/backups/fetch-me.txt', dest: 'fetched' }));
  t.like(r, { changed: true });
  t.is(readFileSync(join(work, 'fetched', 'node4', 'var', 'backups', 'fetch-me.txt'), 'utf8'), 'member data\n');
  t.like(await fetch.run(ctx, parseArgs(fetch.schema, { src: '/var/backups/fetch-me.txt', dest: 'fetched' })), { changed: false });
});

test('systemd: the systemctl replacement on the hosts starts, stops, enables', async (t) => {
  await onHost(
    'node2',
    `cat > /etc/systemd/system/rbtest.service <<'EOF'
[Unit]
Description=runbook e2e test unit
[Service]
ExecStart=/bin/sleep 600
[Install]
WantedBy=multi-user.target
EOF`,
  );
  const ctx = await ctxFor('node2', { user: 'rbops' });
  const run = (a: object) => systemd.run(ctx, parseArgs(systemd.schema, { name: 'rbtest', ...a }));
  t.like(await run({ state: 'started', enabled: true, daemon_reload: true }), { changed: true });
  t.like(await run({ state: 'started', enabled: true }), { changed: false });
  t.is(await onHost('node2', 'systemctl is-active rbtest; systemctl is-enabled rbtest'), 'active\nenabled\n');
  t.like(await run({ state: 'restarted' }), { changed: true });
  t.like(await run({ state: 'stopped', enabled: false }), { changed: true });
  t.like(await run({ state: 'stopped', enabled: false }), { changed: false });
  t.like(await run({ state: 'started', enabled: true, daemon_reload: true }), { changed: true });
  t.like(await run({ state: 'stopped' }), { changed: true });
  const missing = await systemd.run(ctx, parseArgs(systemd.schema, { name: 'nosuch-unit', enabled: true }));
  t.like(missing, { failed: true });
});

test('wait_for: sshd port from the host itself, a closed port times out, path and command', async (t) => {
  const ctx = await ctxFor('node3');
  // the sandbox's sshd listens on the host's address only, not on 127.0.0.1
  t.falsy((await waitFor.run(ctx, parseArgs(waitFor.schema, { host: sandbox().host('node3').ip, port: 22, timeout: 10 }))).failed);
  const peer = sandbox().host('node1').ip;
  t.falsy((await waitFor.run(ctx, parseArgs(waitFor.schema, { host: peer, port: 22, timeout: 10 }))).failed);
  const closed = await waitFor.run(ctx, parseArgs(waitFor.schema, { port: 1, timeout: 1, sleep: 0.2 }));
  t.like(closed, { failed: true });
  t.falsy((await waitFor.run(ctx, parseArgs(waitFor.schema, { port: 1, state: 'stopped', timeout: 5 }))).failed);
  setTimeout(() => void onHost('node3', `echo 'ready to serve' > /tmp/wait-marker`), 300);
  t.falsy((await waitFor.run(ctx, parseArgs(waitFor.schema, { path: '/tmp/wait-marker', search_regex: 'ready', timeout: 20, sleep: 0.2 }))).failed);
  t.falsy((await waitFor.run(ctx, parseArgs(waitFor.schema, { command: 'test -f /tmp/wait-marker', timeout: 5 }))).failed);
});

const SIZE = 256 * 1024 * 1024;

async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; left -= 4 * 1024 * 1024) {
    const chunk = randomBytes(Math.min(left, 4 * 1024 * 1024));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

async function sha256On(host: string, path: string): Promise<string> {
  return (await onHost(host, `sha256sum < '${path}'`)).split(' ')[0]!;
}

test.serial('distribute: 256 MB from the controller and from a host to three hosts, sha256-checked', async (t) => {
  const targets = ['node2', 'node3', 'node4'];
  const local = join(work, 'snap-256.db');
  const digest = await writeRandomFile(local, SIZE);
  const runId = `e2e-${Date.now()}`;

  const started = performance.now();
  const fromController = await Promise.all(
    targets.map(async (h) => distribute.run(await ctxFor(h, { runId }), parseArgs(distribute.schema, { src: local, dest: '/var/backups/snap.db', mode: '0600' }))),
  );
  const controllerSeconds = (performance.now() - started) / 1000;
  for (const [i, r] of fromController.entries()) {
    t.like(r, { changed: true, data: { checksum: digest, size: SIZE } });
    t.is(await sha256On(targets[i]!, '/var/backups/snap.db'), digest);
  }

  // node1 gets it, then serves it to the others through the controller as the rbops sudo user
  await onHost('node1', 'mkdir -p /var/backups/src');
  const seeded = await distribute.run(await ctxFor('node1', { runId }), parseArgs(distribute.schema, { src: local, dest: '/var/backups/src/snap.db' }));
  t.like(seeded, { changed: true });
  const hostRun = `${runId}-host`;
  const started2 = performance.now();
  const fromHost = await Promise.all(
    targets.map(async (h) =>
      distribute.run(
        await ctxFor(h, { runId: hostRun, user: 'rbops' }),
        parseArgs(distribute.schema, { src_host: 'node1', src_path: '/var/backups/src/snap.db', dest: '/var/backups/from-node1.db', sha256: digest }),
      ),
    ),
  );
  const hostSeconds = (performance.now() - started2) / 1000;
  for (const [i, r] of fromHost.entries()) {
    t.like(r, { changed: true, data: { checksum: digest } });
    t.is(await sha256On(targets[i]!, '/var/backups/from-node1.db'), digest);
  }
  t.log(`controller -> 3 hosts: ${controllerSeconds.toFixed(1)} s (${((3 * SIZE) / 1e6 / controllerSeconds).toFixed(0)} MB/s aggregate)`);
  t.log(`node1 -> 3 hosts with become: ${hostSeconds.toFixed(1)} s (${((3 * SIZE) / 1e6 / hostSeconds).toFixed(0)} MB/s aggregate)`);

  // the same again changes nothing and sends nothing
  const again = await Promise.all(
    targets.map(async (h) => distribute.run(await ctxFor(h, { runId: `${runId}-again` }), parseArgs(distribute.schema, { src: local, dest: '/var/backups/snap.db', mode: '0600' }))),
  );
  t.deepEqual(
    again.map((r) => r.changed),
    [false, false, false],
  );

  // a wrong expected checksum fails on every host and leaves no temp file
  const wrong = await distribute.run(
    await ctxFor('node2', { runId: `${runId}-wrong` }),
    parseArgs(distribute.schema, { src: local, dest: '/var/backups/wrong.db', sha256: 'f'.repeat(64) }),
  );
  t.like(wrong, { failed: true });
  t.is(await onHost('node2', 'ls -a /var/backups | grep -c -e runbook-tmp -e wrong.db || true'), '0\n');
});
