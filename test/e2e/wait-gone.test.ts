/**
 * Waits that notice a member whose etcd is gone for good, on a real 3-member etcd 3.4 sandbox
 * run by systemd (the sandbox's systemctl replacement does not act on Restart=, so a stopped or
 * killed etcd stays down, as a unit without Restart= does). etcd_wait_healthy used to sit out
 * its whole timeout for a member whose start had failed (120 s in the rollback of a restore),
 * printing a "forward ... failed: Channel open failure" line each time it tried the member. Now
 * it stops as soon as it has seen, twice, that no process has the member's data dir open and
 * nothing will start one, and says so; the refused forwards are debug lines (shown with -v).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import type { EventOf } from '../../src/events/types.js';
import { stopEtcd, waitHealthy } from '../helpers/etcd-data.js';
import { CliSession, describeRun } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox(test, { name: 'waitgone' });
const cli = new CliSession('wait-gone-e2e-');
test.after(() => cli.remove());

/** far longer than the test may take: the wait must end on its own, long before */
const TIMEOUT_S = 900;

test.serial('a wait for a member whose etcd is stopped ends early, saying so, without forward noise', async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  mkdirSync(cli.dir, { recursive: true });
  const playbook = join(cli.dir, 'wait.yaml');
  writeFileSync(
    playbook,
    `- hosts: node1
  become: true
  tasks:
    - name: Wait for every member
      etcd_wait_healthy:
        timeout: ${TIMEOUT_S}
`,
  );
  await stopEtcd(sb, 'node2');
  try {
    const r = await cli.apply(playbook, { inventory: sb.inventoryYaml, timeoutMs: 240_000 });
    t.not(r.code, 0, describeRun(r));
    const end = r.events.find((e): e is EventOf<'host:end'> => e.type === 'host:end' && e.task === 'Wait for every member');
    t.is(end?.status, 'failed', describeRun(r));
    t.regex(end?.msg ?? '', /^etcd cannot become healthy: etcd on node2 is not running and will not start by itself \(no etcd process has \/var\/lib\/etcd\/default open, etcd is inactive/, describeRun(r));
    t.regex(end?.msg ?? '', /stopped waiting after \d+ checks instead of 900s/);
    t.notRegex(end?.msg ?? '', /after 900s:/);

    const logs = r.events.filter((e): e is EventOf<'log'> => e.type === 'log' && e.task === 'Wait for every member');
    const forwards = logs.filter((e) => /forward to .* failed|Channel open failure/.test(e.line));
    t.true(forwards.length > 0, 'node2 refused the forward (the run record keeps that)');
    t.deepEqual(forwards.filter((e) => e.level !== 'debug').map((e) => e.line), [], 'refused forwards are debug lines only');
  } finally {
    await sb.hostExec('node2', 'systemctl start etcd');
    await waitHealthy(sb, 'node2 back');
  }
});
