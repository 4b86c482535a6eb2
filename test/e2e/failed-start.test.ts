/**
 * A service that fails to start says why: the last lines of its log are in the task's failure
 * and in the recap, not only "systemctl start etcd failed". On the sandbox the unit's log is
 * /var/log/journal/etcd.service.log (its systemctl replacement has no journal); on systemd the
 * same lines come from journalctl -u.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliSession, describeRun, runCli } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox(test, { name: 'failstart', hosts: 1 });
const cli = new CliSession('failstart-');
test.after(() => cli.remove());

const work = mkdtempSync(join(tmpdir(), 'failstart-'));
const playbook = join(work, 'restart.yaml');
writeFileSync(
  playbook,
  `- name: Restart etcd
  hosts: etcd
  tasks:
    - name: Restart etcd
      systemd: { name: etcd, state: restarted }
`,
);

const REASON = /invalid value "abc" for ETCD_HEARTBEAT_INTERVAL/;

test.serial('a failed start shows the unit\'s last log lines on the failure and in the recap', async (t) => {
  const sb = sandbox();
  await sb.hostExec('node1', 'cp /etc/etcd/etcd.conf /root/etcd.conf.good && echo ETCD_HEARTBEAT_INTERVAL=abc >> /etc/etcd/etcd.conf');
  try {
    const r = await cli.apply(playbook, { inventory: sb.inventoryYaml });
    t.is(r.code, 1, describeRun(r));
    const failed = r.events.find((e) => e.type === 'host:end' && e.status === 'failed');
    t.truthy(failed, describeRun(r));
    if (failed?.type === 'host:end') {
      t.regex(failed.msg ?? '', /^systemctl restart etcd failed/);
      t.regex(failed.msg ?? '', /last lines of etcd:\n/);
      t.regex(failed.msg ?? '', REASON);
    }
    t.regex(r.end?.recap.node1?.failure ?? '', REASON);

    const plain = await runCli(['apply', playbook, '-i', sb.inventoryYaml, '--yes', '-o', 'plain', '--runs-dir', cli.runsDir, '--locks-dir', cli.locksDir]);
    t.is(plain.code, 1);
    const recap = plain.stdout.slice(plain.stdout.lastIndexOf('RECAP'));
    t.regex(recap, /why: Restart etcd: systemctl restart etcd failed/);
    t.regex(recap, REASON);
  } finally {
    await sb.hostExec('node1', 'cp /root/etcd.conf.good /etc/etcd/etcd.conf && systemctl start etcd');
  }
});
