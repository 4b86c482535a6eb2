import { Command, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import { hostConnector } from '../engine/connections.js';
import { closeEtcdClients } from '../etcd/client.js';
import { EventBus } from '../events/bus.js';
import { loadInventory } from '../inventory/load.js';
import { RunbookError } from '../errors.js';
import { collect } from '../diagnose/collect.js';
import { goDurationSeconds } from '../diagnose/kube-checks.js';
import { renderHtml } from '../diagnose/render-html.js';
import { renderText } from '../diagnose/render-text.js';
import { buildReport, EXIT } from '../diagnose/report.js';
import { addConfigDefaults } from './config-defaults.js';
import { addConnectionOptions, collect as collectOption, positiveInt } from './common-options.js';

interface DiagnoseFlags {
  inventory: string[];
  limit?: string;
  group: string;
  window: number;
  output: 'text' | 'json';
  html?: string;
  logSince: number;
  probeWrites: number;
  user?: string;
  privateKey?: string;
  keyFile?: string;
  knownHosts?: string;
  acceptNewHostKeys: boolean;
  sshConfig?: string;
  connectTimeout: number;
}

/** `10s`, `2s`, `500ms`, `1m`, or a plain number of seconds */
export function parseWindow(v: string): number {
  const s = /^\d+(\.\d+)?$/.test(v) ? Number(v) : goDurationSeconds(v);
  if (s === null || !(s > 0) || s > 600) throw new Error(`--window must be a duration such as 10s, 2s or 500ms (at most 10m), got "${v}"`);
  return Math.round(s * 1000);
}

export function diagnoseCommand(): Command {
  const cmd = new Command('diagnose')
    .description('read-only diagnosis of an etcd cluster: samples every member twice, --window apart, and names the cause and the runbook that fixes it')
    .option('-i, --inventory <path>', 'inventory file or directory (repeatable; default: `inventory` of ansible.cfg)', collectOption)
    .option('-l, --limit <pattern>', 'only these hosts (a host pattern: node1,node2 / etcd:!node3)')
    .option('--group <group>', 'the inventory group of the cluster members', 'etcd')
    .option('-w, --window <duration>', 'time between the two samples (rates, histogram p99s)', parseWindow, 10_000)
    .addOption(new Option('-o, --output <format>', 'text (a table and the findings) or json (schema in docs/diagnose.md)').choices(['text', 'json']).default('text'))
    .option('--html <file>', 'also write one self-contained HTML page with per-member charts')
    .option('--log-since <minutes>', 'count log lines of the last N minutes', positiveInt('--log-since'), 15)
    .option('--probe-writes <n>', 'synced 8 KiB writes of the dd disk probe (0: no probe)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 4096) throw new Error(`--probe-writes must be 0..4096, got "${v}"`);
      return n;
    }, 64);
  addConnectionOptions(cmd);
  addConfigDefaults(cmd, ['inventory', 'user', 'privateKey', 'acceptNewHostKeys', 'connectTimeout', 'knownHosts', 'sshConfig']);
  cmd.addHelpText(
    'after',
    `
Examples:
  runbook diagnose -i inventory/prod.yaml
  runbook diagnose -i inventory/prod.yaml --window 30s --html /tmp/etcd.html
  runbook diagnose -i inventory/prod.yaml -o json | jq '.findings[] | {severity, title, action}'

Exit codes: 0 healthy, 1 warnings, 2 critical, 3 the diagnosis itself could not run
(bad inventory, no member host matched). Every check and threshold: docs/diagnose.md.`,
  );
  cmd.action(async (flags: DiagnoseFlags) => {
    try {
      process.exitCode = await diagnose(flags);
    } catch (err) {
      const e = err as Error;
      process.stderr.write(`runbook: ${e.message}\n`);
      if (err instanceof RunbookError && err.hint) process.stderr.write(`hint: ${err.hint}\n`);
      process.exitCode = EXIT.failed;
    }
  });
  return cmd;
}

async function diagnose(flags: DiagnoseFlags): Promise<number> {
  const started = new Date();
  const inventory = await loadInventory(flags.inventory);
  const hosts = inventory.select(flags.group, flags.limit);
  if (hosts.length === 0) throw new Error(`no host of group "${flags.group}"${flags.limit ? ` matches --limit ${flags.limit}` : ''} in ${flags.inventory.join(', ')}`);
  const connections = await hostConnector(inventory, {
    sshConfigFile: flags.sshConfig,
    knownHosts: flags.knownHosts,
    acceptNewHostKeys: flags.acceptNewHostKeys,
    connectTimeoutMs: flags.connectTimeout * 1000,
    user: flags.user,
    privateKey: flags.privateKey ?? flags.keyFile,
    forks: hosts.length,
  })(hosts, new EventBus());
  try {
    const { members, cluster } = await collect({
      inventory,
      hosts,
      connections,
      windowMs: flags.window,
      logSinceMinutes: flags.logSince,
      probeWrites: flags.probeWrites,
    });
    const report = buildReport({ startedAt: started, windowMs: flags.window, durationMs: Date.now() - started.getTime(), inventory: flags.inventory, members, cluster });
    if (flags.html) await writeFile(flags.html, renderHtml(report));
    process.stdout.write(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    return report.exitCode;
  } finally {
    await closeEtcdClients().catch(() => undefined);
    await connections.closeAll().catch(() => undefined);
  }
}
