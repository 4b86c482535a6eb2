/**
 * A value that starts with '-' must never be read as an option by the program it is passed to:
 * unit names for systemctl, the backup dir for find, and the service name in shipped playbooks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { systemd } from '../../../src/modules/systemd.js';
import { RemoteBackupStore } from '../../../src/schedule/backup-store.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { repoRoot } from '../../helpers/runbook-cli.js';
import { moduleContext, parseArgs } from './support/context.js';

test('systemd: a unit name starting with - is refused; a name is always passed after --', async (t) => {
  for (const name of ['--now', '-H', '-Hroot@elsewhere']) {
    t.throws(() => parseArgs(systemd.schema, { name, state: 'restarted' }), undefined, name);
  }
  const fake = new FakeTransport().on(/is-active/, { stdout: 'inactive\n', exitCode: 3 }).on(/start/, {});
  await systemd.run(moduleContext(fake), parseArgs(systemd.schema, { name: 'etcd', state: 'started' }));
  t.deepEqual(fake.commands, ['systemctl is-active -- etcd', 'systemctl start -- etcd']);
});

test('backup store: a backup dir starting with - reaches find as a path, not an option', async (t) => {
  const fake = new FakeTransport().on(/^find /, { stdout: '' });
  await new RemoteBackupStore(fake, '-delete').list();
  t.regex(fake.commands[0]!, /^find \.\/-delete /);
});

test('shipped playbooks: systemctl gets -- before a templated unit name', (t) => {
  const dir = join(repoRoot, 'playbooks');
  const found: string[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/systemctl\s+[a-z-]+\s+\{\{/.test(line)) found.push(`playbooks/${file}:${i + 1}: ${line.trim()}`);
      });
  }
  t.deepEqual(found, []);
});
