import { Command } from 'commander';
import { writeSync } from 'node:fs';
import { RunInterrupts } from '../engine/interrupts.js';
import { HostStates } from '../report/host-states.js';
import { resolve } from 'node:path';
import { InquirerPrompter, NoTtyPrompter, type Prompter } from '../engine/confirm.js';
import { hostConnector } from '../engine/connections.js';
import { runPlaybook, type RunSummary } from '../engine/run.js';
import { EventBus } from '../events/bus.js';
import { jsonReporter } from '../report/json.js';
import { plainReporter } from '../report/plain.js';
import { TtyReporter } from '../report/tty.js';
import { addLockOptions, defaultLocksDir, takeRunLock, type LockFlags } from '../schedule/run-lock.js';
import { guardUnfinished, keepMarkers } from '../schedule/unfinished-guard.js';
import { addConnectionOptions, addInventoryOptions, addRunOptions, splitList } from './common-options.js';
import { addConfigDefaults, vaultDefaults } from './config-defaults.js';
import { fail } from './fail.js';
import { listPlaybook } from './list-playbook.js';
import { loadInputs } from './load-inputs.js';
import { addVaultOptions, openVault, withoutVaultSecrets, type VaultFlags } from './vault-options.js';

export interface ApplyFlags extends LockFlags, VaultFlags {
  inventory: string[];
  limit?: string;
  extraVars?: string[];
  allowUnusedVar?: string[];
  check: boolean;
  diff: boolean;
  forks: number;
  yes: boolean;
  step: boolean;
  tags?: string;
  skipTags?: string;
  output?: 'tty' | 'plain' | 'json';
  verbose: number;
  runsDir: string;
  user?: string;
  privateKey?: string;
  keyFile?: string;
  knownHosts?: string;
  acceptNewHostKeys: boolean;
  sshConfig?: string;
  connectTimeout: number;
  askBecomePass: boolean;
  /** go on although a killed run left these hosts half-changed; the reason is recorded */
  ignoreUnfinished?: string;
  listHosts?: boolean;
  listTasks?: boolean;
}

export function applyCommand(): Command {
  const cmd = new Command('apply')
    .description('run a playbook: connect, preflight, confirm, execute step by step, roll back on failure')
    .argument('<playbook>', 'playbook YAML file');
  addInventoryOptions(cmd);
  addRunOptions(cmd);
  addConnectionOptions(cmd);
  addLockOptions(cmd);
  cmd.option('--ignore-unfinished <reason>', 'go on although a run whose controller died left these hosts half-changed (see `runbook rollback`); the reason is recorded in both runs');
  addVaultOptions(cmd);
  cmd
    .option('--list-hosts', 'list the hosts each play would run on, and exit (connects to nothing)')
    .option('--list-tasks', 'list the tasks each play would run (after --tags/--skip-tags), and exit');
  addConfigDefaults(cmd, ['inventory', 'user', 'privateKey', 'forks', 'acceptNewHostKeys', 'connectTimeout', 'runsDir', 'locksDir', 'output', 'knownHosts', 'sshConfig']);
  cmd.addHelpText(
    'after',
    `
Examples:
  runbook apply playbooks/etcd-backup.yaml -i inventory/prod.yaml
  runbook apply playbooks/restore-etcd.yaml -i inventory/prod.ini -e snapshot=/var/backups/etcd/x.db --yes
  runbook apply playbooks/etcd-maintenance.yaml -i inv/ --check --diff
  runbook apply site.yaml -i inv/ --limit 'etcd:!node3' --step

Exit codes: 0 ok, 1 a step failed (rolled back), 2 invalid playbook/inventory,
3 preflight failed, 4 host unreachable / refused (also: a run whose controller died left
these hosts half-changed: runbook rollback RUN_ID), 5 not confirmed,
6 a step failed and ROLLBACK WAS INCOMPLETE (check the hosts), 130 interrupted,
75 another run holds the lock on this cluster (see --lock-wait).`,
  );
  cmd.action(async (playbook: string, flags: ApplyFlags) => {
    const summary = await apply(playbook, flags).catch(fail);
    process.exitCode = summary.exitCode;
  });
  return cmd;
}

/** The whole `apply` flow, reusable by the scheduler (which passes its own prompter/bus). */
export async function apply(playbookFile: string, flags: ApplyFlags, io: { bus?: EventBus; prompter?: Prompter; signal?: AbortSignal } = {}): Promise<RunSummary> {
  const vault = await openVault(flags, vaultDefaults());
  const inputs = await loadInputs(playbookFile, flags.inventory, flags.extraVars ?? [], vault, flags.allowUnusedVar ?? []);
  if (flags.listHosts || flags.listTasks) {
    const text = listPlaybook(inputs.playbook, inputs.inventory, inputs.extraVars, {
      limit: flags.limit,
      tags: splitList(flags.tags),
      skipTags: splitList(flags.skipTags),
      hosts: Boolean(flags.listHosts),
      tasks: Boolean(flags.listTasks),
    });
    process.stdout.write(text);
    return { exitCode: 0 } as RunSummary;
  }
  const bus = io.bus ?? new EventBus();
  const format = flags.output ?? (process.stdout.isTTY ? 'tty' : 'plain');
  let tty: TtyReporter | undefined;
  if (!io.bus) {
    if (format === 'json') bus.on(jsonReporter());
    else if (format === 'tty') {
      tty = new TtyReporter({ verbosity: flags.verbose });
      bus.on(tty.listener);
    } else bus.on(plainReporter({ verbosity: flags.verbose }));
  }
  for (const w of inputs.warnings) bus.emit({ type: 'warning', message: w });

  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const prompter = io.prompter ?? (interactive ? new InquirerPrompter(async (fn) => { await tty?.idle(); return fn(); }) : new NoTtyPrompter());
  const becomePassword = flags.askBecomePass ? await prompter.password('sudo password:') : undefined;

  const hostStates = new HostStates();
  // Ctrl-C is counted here (engine/interrupts.ts) unless the caller (the scheduler) owns it
  const interrupts = io.signal ? undefined : new RunInterrupts();
  const signal = io.signal ?? interrupts!.stopSignal;
  let onSigint: (() => void) | undefined;
  if (interrupts) {
    interrupts.attach({
      notice: (text) => (tty ? tty.notice(text) : process.stderr.write(`\n${text}\n`)),
      describeStop: () => hostStates.describeStop(),
      aborted: () => hostStates.markAborted(),
      quitNow: () => quitNow(hostStates),
    });
    onSigint = () => interrupts.press();
    process.on('SIGINT', onSigint);
    process.once('exit', restoreTerminal);
  }
  // before any host is contacted: a run whose controller died left these hosts half-changed
  // (a live run's markers are the lock's business), and a second run waits or is refused
  let lock = await Promise.resolve()
    .then(() => (flags.check ? undefined : guardUnfinished(inputs, { ignoreReason: flags.ignoreUnfinished }, bus)))
    .then(() => takeRunLock(inputs, flags, bus, signal))
    .catch((err: unknown) => {
      if (onSigint) process.off('SIGINT', onSigint);
      throw err;
    });
  let started: { runId: string; runDir: string } | undefined;
  bus.on((e) => {
    if (e.type === 'run:start') started = { runId: e.runId, runDir: resolve(e.runDir) };
  });
  // a person at the prompt holds no lock: it is given back while they read, and taken again after "yes"
  const promptHooks = lock && prompter.interactive && !flags.yes
    ? {
        beforePrompt: async () => {
          const held = lock;
          lock = undefined;
          await held?.release();
        },
        afterYes: async () => {
          lock = await takeRunLock(inputs, flags, bus, signal);
          if (lock && started) await lock.update(started).catch(() => undefined);
        },
      }
    : undefined;
  try {
    const dropMarkers = keepMarkers(inputs, bus, { check: flags.check });
    const summary = await runPlaybook({
      playbook: inputs.playbook,
      inventory: inputs.inventory,
      inventorySources: flags.inventory,
      extraVars: inputs.extraVars,
      limit: flags.limit,
      options: {
        check: flags.check,
        diff: flags.diff,
        forks: flags.forks,
        yes: flags.yes,
        step: flags.step,
        tags: splitList(flags.tags),
        skipTags: splitList(flags.skipTags),
      },
      runsRoot: resolve(flags.runsDir),
      prompter,
      // no variable names it, so the redactor is told
      secrets: becomePassword === undefined ? [] : [becomePassword],
      reconnect: {
        user: flags.user,
        knownHosts: flags.knownHosts && resolve(flags.knownHosts),
        sshConfig: flags.sshConfig && resolve(flags.sshConfig),
        acceptNewHostKeys: flags.acceptNewHostKeys,
        connectTimeout: flags.connectTimeout,
        lock: flags.lock ?? 'file',
        locksDir: resolve(flags.locksDir ?? defaultLocksDir()),
      },
      vault,
      bus,
      signal,
      interrupts,
      hostStates,
      promptHooks,
      connect: hostConnector(inputs.inventory, {
        sshConfigFile: flags.sshConfig,
        knownHosts: flags.knownHosts,
        acceptNewHostKeys: flags.acceptNewHostKeys,
        connectTimeoutMs: flags.connectTimeout * 1000,
        user: flags.user,
        privateKey: flags.privateKey ?? flags.keyFile,
        becomePassword,
        forks: flags.forks,
        hooks: interactive ? { passphrase: (file: string) => prompter.password(`passphrase for ${file}:`) } : {},
      }),
    });
    // the run ended (whatever its result): its hosts are no longer left by a dead controller
    dropMarkers();
    await tty?.idle();
    return summary;
  } catch (err) {
    throw withoutVaultSecrets(err, vault);
  } finally {
    await lock?.release();
    if (onSigint) process.off('SIGINT', onSigint);
    process.off('exit', restoreTerminal);
    restoreTerminal();
  }
}

/**
 * The live view hides the cursor while it draws; whatever ends the run shows it again.
 * Written to the file descriptor itself: the live view may have taken over process.stdout.
 */
function restoreTerminal(): void {
  if (process.stdout.isTTY) writeSync(1, '\x1b[?25h');
}

/** a Ctrl-C after a confirmed stop: say what is known of each host, and leave at once */
function quitNow(states: HostStates): never {
  const lines = states.describeStop();
  writeSync(2, `\nCtrl-C: quitting at once. Where each host stands, as far as runbook knows:\n${(lines.length ? lines : ['no host was changed']).map((l) => `  ${l}`).join('\n')}\n`);
  restoreTerminal();
  process.exit(130);
}
