import test from 'ava';
import { shell } from '../../../src/modules/shell.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { moduleContext, parseArgs } from './support/context.js';

const cases = [
  {
    name: 'the script goes to /bin/sh as one quoted argument',
    args: { cmd: `etcdctl member list | grep -c started > /tmp/n; echo "it's $HOME"` },
    commands: [`/bin/sh -c 'etcdctl member list | grep -c started > /tmp/n; echo "it'"'"'s $HOME"'`],
  },
  {
    name: 'executable and chdir are quoted',
    args: { cmd: 'set -o pipefail; false | true', executable: '/bin/bash', chdir: '/srv/my dir' },
    commands: [`cd '/srv/my dir' && /bin/bash -c 'set -o pipefail; false | true'`],
  },
  {
    name: 'a newline in the script survives',
    args: { cmd: 'echo a\necho b' },
    commands: [`/bin/sh -c 'echo a\necho b'`],
  },
];

for (const c of cases) {
  test(`shell: ${c.name}`, async (t) => {
    const fake = new FakeTransport().on(/./, { stdout: 'ok\n' });
    const r = await shell.run(moduleContext(fake), parseArgs(shell.schema, c.args));
    t.deepEqual(fake.commands, c.commands);
    t.like(r, { changed: true, failed: false, rc: 0, stdout: 'ok' });
  });
}

test('shell: failure carries rc and output', async (t) => {
  const fake = new FakeTransport().on(/./, { exitCode: 3, stderr: 'no quorum\n' });
  const r = await shell.run(moduleContext(fake), parseArgs(shell.schema, { cmd: 'exit 3' }));
  t.like(r, { changed: true, failed: true, rc: 3, stderr: 'no quorum' });
});

test('shell: check mode runs nothing', async (t) => {
  const fake = new FakeTransport();
  const r = await shell.run(moduleContext(fake, { check: true }), parseArgs(shell.schema, { cmd: 'reboot' }));
  t.deepEqual(fake.commands, []);
  t.like(r, { changed: false, skipped: true });
});

test('shell: runs for real on a local host', async (t) => {
  const { localTransport } = await import('./support/context.js');
  const r = await shell.run(moduleContext(localTransport()), parseArgs(shell.schema, { cmd: `printf '%s' "$0"; echo ' x' | tr x y`, stdin: 'ignored' }));
  t.like(r, { changed: true, failed: false, rc: 0, stdout: '/bin/sh y' });
});

test('shell: describe is the script', (t) => {
  t.is(shell.describe(parseArgs(shell.schema, { cmd: 'etcdctl endpoint health' })), 'etcdctl endpoint health');
});
