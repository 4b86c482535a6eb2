import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { parseProcLines, pathUsersCommand, processesCommand, runsCommand } from '../../../src/modules/lib/proc-scan.js';
import { localTransport, tempDir } from './support/context.js';

// these read this machine's real /proc: a process started here must be found, and one that ended must not
test('pathUsersCommand finds a process whose cwd or open file is under the dir, and not after it ended', async (t) => {
  const root = await tempDir(t);
  // a path with a space and pattern characters: it is data, in the shell and for find -lname
  const dir = join(root, 'data [x]*');
  await mkdir(join(dir, 'member'), { recursive: true });
  const child = spawn('sh', ['-c', 'exec 3>member/db; exec sleep 60'], { cwd: dir, stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  const tr = localTransport();
  // give the shell time to exec sleep
  await new Promise((r) => setTimeout(r, 300));
  const found = parseProcLines((await tr.exec(pathUsersCommand(dir))).stdout);
  t.deepEqual(found.map((p) => p.pid), [child.pid!]);
  t.deepEqual(found[0]!.argv, ['sleep', '60']);
  // a sibling whose name starts the same is not under the dir
  const sibling = dir.slice(0, -1);
  await mkdir(sibling);
  t.deepEqual(parseProcLines((await tr.exec(pathUsersCommand(sibling))).stdout), []);
  const byCommand = parseProcLines((await tr.exec(processesCommand(['sleep']))).stdout).filter((p) => runsCommand(p.argv, ['/bin/sleep', '60']));
  t.true(byCommand.some((p) => p.pid === child.pid));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  t.deepEqual(parseProcLines((await tr.exec(pathUsersCommand(dir))).stdout), []);
});

test('pathUsersCommand: a dir that does not exist has no users', async (t) => {
  const r = await localTransport().exec(pathUsersCommand('/nonexistent/runbook-test'));
  t.is(r.exitCode, 0);
  t.is(r.stdout, '');
});

test('runsCommand compares the program by base name and every argument exactly', (t) => {
  t.true(runsCommand(['/usr/local/bin/etcd', '--name=a'], ['etcd', '--name=a']));
  t.false(runsCommand(['etcd', '--name=a', '--x'], ['etcd', '--name=a']));
  t.false(runsCommand(['sh', '-c', 'etcd --name=a'], ['etcd', '--name=a']));
  t.false(runsCommand(['etcdctl', '--name=a'], ['etcd', '--name=a']));
  // a script run through its #! line
  t.true(runsCommand(['/usr/bin/python3', '/usr/local/bin/kube-apiserver', '--v=2'], ['kube-apiserver', '--v=2']));
  t.false(runsCommand(['/usr/bin/python3', '/usr/local/bin/kube-apiserver', '--v=3'], ['kube-apiserver', '--v=2']));
});
