import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { hostConnector } from '../../../src/engine/connections.js';
import { EventBus } from '../../../src/events/bus.js';
import type { RunEvent } from '../../../src/events/types.js';
import { loadInventory } from '../../../src/inventory/load.js';

test('what the ssh config says that runbook does not do is a warning, once, before connecting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-connections-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ssh_config'), 'Host *\n  ProxyCommand nc %h %p\nMatch user ops\n  Port 2222\n');
  writeFileSync(join(dir, 'inventory.yaml'), 'all:\n  hosts:\n    here: {ansible_connection: local}\n');
  const inventory = await loadInventory([join(dir, 'inventory.yaml')]);
  const connect = hostConnector(inventory, { sshConfigFile: join(dir, 'ssh_config'), forks: 5 });
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => events.push(e));
  const connected = await connect(['here'], bus);
  t.is(connected.failures.size, 0, [...connected.failures.values()].join('; '));
  await connected.closeAll();
  const warnings = events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message);
  t.deepEqual(warnings, [
    `ssh config: ${join(dir, 'ssh_config')}:2: ProxyCommand is not supported and was ignored`,
    `ssh config: ${join(dir, 'ssh_config')}:3: Match blocks are not supported; its settings are ignored`,
  ]);
  t.is(events.findIndex((e) => e.type === 'warning'), 0, 'before any host:connect');
});
