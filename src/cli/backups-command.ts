/**
 * `runbook backups list|prune`: the etcd snapshots in a backup directory (on this machine, or
 * on inventory hosts over SSH) and what a retention policy would delete. Only files named as
 * the backup playbook names them are ever considered (docs/scheduling.md, "Backup files").
 */
import { Command } from 'commander';
import { InquirerPrompter } from '../engine/confirm.js';
import { ConfigError, NotConfirmedError } from '../errors.js';
import { scanBackups } from '../schedule/backup-name.js';
import { backupsTable, planSummary, planTable } from '../schedule/backups-text.js';
import { openBackupStores, type StoreSpec } from '../schedule/open-stores.js';
import { executePrune, planPrune, type PrunePlan } from '../schedule/prune.js';
import { describePolicy, parsePolicy, type RetentionPolicy } from '../schedule/retention.js';
import { findJob, loadSchedules, schedulesFilePath } from '../schedule/schedules-file.js';
import { collect, positiveInt } from './common-options.js';

interface WhereFlags {
  dir?: string;
  host?: string;
  inventory?: string[];
  become: boolean;
  user?: string;
  knownHosts?: string;
  sshConfig?: string;
  connectTimeout: number;
}

function addWhereOptions(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', 'backup directory')
    .option('--host <pattern>', 'inventory hosts the directory is on (default: this machine)')
    .option('-i, --inventory <path>', 'inventory, with --host (repeatable)', collect)
    .option('--become', 'list and delete with sudo on the hosts', false)
    .option('-u, --user <user>', 'SSH user when the inventory names none')
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against')
    .option('--ssh-config <file>', 'OpenSSH client config to honour')
    .option('--connect-timeout <seconds>', 'give up connecting after this long', positiveInt('--connect-timeout'), 10);
}

function storeSpec(f: WhereFlags, dir: string): StoreSpec {
  if (f.host !== undefined && !f.inventory?.length) throw new ConfigError({ message: '--host needs the inventory: -i INVENTORY' });
  return {
    dir,
    host: f.host,
    become: f.become,
    inventory: f.inventory,
    connect: { user: f.user, knownHosts: f.knownHosts, sshConfigFile: f.sshConfig, connectTimeoutMs: f.connectTimeout * 1000 },
  };
}

function listCommand(): Command {
  const cmd = new Command('list').description('the snapshots in a backup directory, newest first').option('--cluster <name>', 'only this cluster\'s backups').option('--json', 'one JSON document', false);
  addWhereOptions(cmd);
  return cmd.action(async (flags: WhereFlags & { cluster?: string; json: boolean }) => {
    if (!flags.dir) throw new ConfigError({ message: 'which directory? --dir DIR' });
    const open = await openBackupStores(storeSpec(flags, flags.dir));
    const now = new Date();
    try {
      const out: unknown[] = [];
      for (const store of open.stores) {
        const scan = scanBackups(await store.list());
        const backups = scan.backups.filter((b) => flags.cluster === undefined || b.cluster === flags.cluster);
        if (flags.json) {
          out.push({ where: store.where, backups, orphanChecksums: scan.orphanChecksums });
          continue;
        }
        process.stdout.write(`${store.where}: ${backups.length} backup(s)\n`);
        if (backups.length) process.stdout.write(`${backupsTable(backups, now)}\n`);
        if (scan.orphanChecksums.length) process.stdout.write(`checksum files without their snapshot (left alone): ${scan.orphanChecksums.join(', ')}\n`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } finally {
      await open.close();
    }
  });
}

interface PruneFlags extends WhereFlags {
  keepLast?: number;
  policy?: string;
  job?: string;
  file?: string;
  dryRun: boolean;
  yes: boolean;
}

async function policyOf(flags: PruneFlags): Promise<{ policy: RetentionPolicy; spec: StoreSpec }> {
  const given = [flags.keepLast !== undefined || flags.policy !== undefined, flags.job !== undefined].filter(Boolean).length;
  if (given !== 1) throw new ConfigError({ message: 'say what to keep: --keep-last N and/or --policy "...", or --job NAME for a scheduled job\'s retention' });
  if (flags.job !== undefined) {
    const job = findJob(await loadSchedules(schedulesFilePath(flags.file), { mustExist: true }), flags.job);
    if (!job.retention) throw new ConfigError({ message: `job ${job.name} has no retention: in the schedules file` });
    const r = job.retention;
    return {
      policy: r,
      spec: { dir: r.dir, host: r.host, become: r.become, inventory: job.inventory, connect: { user: job.user, knownHosts: job.knownHosts, sshConfigFile: job.sshConfig } },
    };
  }
  if (!flags.dir) throw new ConfigError({ message: 'which directory? --dir DIR' });
  let policy: RetentionPolicy;
  try {
    policy = { ...(flags.policy ? parsePolicy(flags.policy) : {}), ...(flags.keepLast !== undefined ? { keep_last: flags.keepLast } : {}) };
  } catch (e) {
    throw new ConfigError({ message: `--policy: ${(e as Error).message}` });
  }
  return { policy, spec: storeSpec(flags, flags.dir) };
}

function pruneCommand(): Command {
  const cmd = new Command('prune')
    .description('delete the backups a retention policy does not keep (the newest of each cluster always stays)')
    .option('--keep-last <n>', 'keep the newest N', positiveInt('--keep-last'))
    .option('--policy <rules>', 'e.g. "keep_within=1h hourly=24 daily=7 weekly=4 monthly=12"')
    .option('--job <name>', 'use this scheduled job\'s retention: (directory, hosts, policy)')
    .option('--file <path>', 'schedules file, with --job')
    .option('--dry-run', 'show what would be deleted; delete nothing', false)
    .option('-y, --yes', 'delete without asking (needed without a terminal)', false);
  addWhereOptions(cmd);
  return cmd.action(async (flags: PruneFlags) => {
    const { policy, spec } = await policyOf(flags);
    const open = await openBackupStores(spec);
    const now = new Date();
    try {
      const plans: PrunePlan[] = [];
      for (const store of open.stores) {
        const plan = await planPrune(store, policy, now);
        plans.push(plan);
        process.stdout.write(`${plan.where} (policy: ${describePolicy(policy)})\n`);
        if (plan.decisions.length) process.stdout.write(`${planTable(plan.decisions, now)}\n`);
        process.stdout.write(`${planSummary(plan)}\n`);
      }
      const total = plans.reduce((n, p) => n + p.remove.length, 0);
      if (flags.dryRun || total === 0) {
        process.stdout.write(flags.dryRun ? 'dry run: nothing was deleted\n' : 'nothing to delete\n');
        return;
      }
      if (!flags.yes) {
        if (!(process.stdin.isTTY && process.stdout.isTTY)) {
          throw new NotConfirmedError(`not confirmed: deleting ${total} backup(s) needs --yes without a terminal; nothing was deleted`, 'check the list above (or --dry-run), then pass --yes');
        }
        if (!(await new InquirerPrompter().confirm(`delete ${total} backup(s)?`))) throw new NotConfirmedError('not confirmed; nothing was deleted');
      }
      for (const [i, plan] of plans.entries()) {
        const deleted = await executePrune(open.stores[i]!, plan);
        process.stdout.write(`${plan.where}: deleted ${deleted.length} file(s)${deleted.length ? `: ${deleted.join(', ')}` : ''}\n`);
      }
    } finally {
      await open.close();
    }
  });
}

export function backupsCommand(): Command {
  return new Command('backups')
    .description('etcd snapshots in a backup directory, and pruning them by a retention policy')
    .addCommand(listCommand())
    .addCommand(pruneCommand())
    .addHelpText(
      'after',
      `
Examples:
  runbook backups list --dir /var/backups/etcd
  runbook backups list --dir /var/backups/etcd --host etcd -i inventory/prod.yaml --become
  runbook backups prune --dir /var/backups/etcd --keep-last 5 --dry-run
  runbook backups prune --dir /var/backups/etcd --policy "keep_within=1h hourly=24 daily=7 weekly=4" --yes
  runbook backups prune --job prod-backup --dry-run`,
    );
}
