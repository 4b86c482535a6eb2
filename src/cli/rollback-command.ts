/**
 * `runbook rollback RUN_ID`: undo a run whose controller died (kill -9, a laptop lid, a dropped
 * jump host), from its journal: every completed step, newest first, as an in-process rollback
 * would, under the run's lock, after showing what it will undo and asking.
 *
 * The run is found in --runs-dir (as `history` finds it), or, from any directory, through the
 * marker the run left on this controller (schedule/unfinished-runs.ts).
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { InquirerPrompter, NoTtyPrompter } from '../engine/confirm.js';
import { hostConnector } from '../engine/connections.js';
import { readJournal } from '../engine/orphan-rollback.js';
import { fileSha256, type RunSummary } from '../engine/run.js';
import { undoDeadRun } from '../engine/undo-dead-run.js';
import { ConfigError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { connectionVars } from '../inventory/connection-vars.js';
import { loadInventory } from '../inventory/load.js';
import { loadPlaybook } from '../playbook/load.js';
import { jsonReporter } from '../report/json.js';
import { plainReporter } from '../report/plain.js';
import { TtyReporter } from '../report/tty.js';
import { findRun, readRunEvents } from '../schedule/run-history.js';
import { takeRunLock } from '../schedule/run-lock.js';
import { clearUnfinished, defaultStateDir, readMarkers } from '../schedule/unfinished-runs.js';
import { parseExtraVars } from '../vars/extra-vars.js';
import { collect } from './common-options.js';
import { fail } from './fail.js';

interface RollbackFlags {
  runsDir: string;
  extraVars?: string[];
  yes: boolean;
  output?: 'tty' | 'plain' | 'json';
  verbose: number;
  askBecomePass: boolean;
  lockWait: number;
  locksDir?: string;
}

export function rollbackCommand(): Command {
  const cmd = new Command('rollback')
    .description('undo a run whose controller died before it finished: every completed step, newest first, from its journal')
    .argument('<run-id>', 'run id, or a unique start of it (`runbook history` lists them; `apply` names it when it refuses)')
    .option('--runs-dir <dir>', 'where run records are (a run left unfinished on this controller is found without it)', '.runbook/runs')
    .option('-e, --extra-vars <vars>', 'the -e values the journal did not keep (secrets): pass them again, with @file', collect)
    .option('-y, --yes', 'confirm in advance; without it the undo is shown and asked for, and refused without a terminal', false)
    .addOption(new Option('-o, --output <format>', 'tty, plain or json, as for apply').choices(['tty', 'plain', 'json']))
    .option('-v, --verbose', 'show commands (-v) and their output (-vv)', (_: string, prev: number) => prev + 1, 0)
    .option('-K, --ask-become-pass', 'ask for the sudo password once', false)
    .option('--lock-wait <seconds>', 'wait this long for a run that holds the lock (default: refuse at once)', (v: string) => Number(v), 0)
    .option('--locks-dir <dir>', 'where lock files go (default: the one the run used)');
  cmd.addHelpText(
    'after',
    `
Exit codes: 0 undone, 2 the run's playbook or inventory no longer match its journal,
4 a host unreachable, 5 not confirmed, 6 not everything could be undone (check the hosts
it names), 75 another run holds the lock.`,
  );
  cmd.action(async (runId: string, flags: RollbackFlags) => {
    const summary = await rollbackRun(runId, flags).catch(fail);
    process.exitCode = summary.exitCode;
  });
  return cmd;
}

/** the run's record directory: in --runs-dir, else through this controller's unfinished-run markers */
async function locateRun(runsDir: string, idOrPrefix: string): Promise<{ runId: string; dir: string }> {
  try {
    const r = await findRun(resolve(runsDir), idOrPrefix);
    return { runId: r.runId, dir: r.dir };
  } catch (err) {
    const markers = [...new Map(readMarkers(defaultStateDir()).map(({ marker }) => [marker.runId, marker])).values()];
    const exact = markers.find((m) => m.runId === idOrPrefix);
    const prefixed = markers.filter((m) => m.runId.startsWith(idOrPrefix));
    const m = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
    if (m) return { runId: m.runId, dir: m.runDir };
    throw err;
  }
}

async function rollbackRun(idOrPrefix: string, flags: RollbackFlags): Promise<Pick<RunSummary, 'exitCode'>> {
  const { runId, dir } = await locateRun(flags.runsDir, idOrPrefix);
  const reading = readJournal(await readRunEvents(dir));
  const stateDir = defaultStateDir();
  if (reading.end) {
    clearUnfinished(stateDir, runId);
    process.stderr.write(`runbook: run ${runId} finished (${reading.end.status}); there is nothing left to undo (runbook history show ${runId})\n`);
    return { exitCode: 0 };
  }
  const start = reading.start;
  if (!start) {
    clearUnfinished(stateDir, runId);
    process.stderr.write(`runbook: run ${runId} stopped before its first step: it changed nothing, there is nothing to undo\n`);
    return { exitCode: 0 };
  }

  // the undo must be the one the run had, on the hosts the run changed
  const sha = fileSha256(start.playbook);
  if (sha !== start.playbookSha256) {
    throw new ConfigError({
      message: `${start.playbook} ${sha ? 'has changed' : 'is gone'} since run ${runId} started: its rollback steps may no longer be the ones that undo what the run did; nothing was undone`,
      hint: `put back the version the run used (sha256 ${start.playbookSha256}), e.g. from version control, and run this again`,
    });
  }
  const given = await parseExtraVars(flags.extraVars ?? []);
  const missing = start.withheldVars.filter((n) => !(n in given));
  if (missing.length) {
    throw new ConfigError({
      message: `run ${runId} was given -e ${missing.join(', ')}, which its journal does not keep (secrets, or read by a no_log task); nothing was undone`,
      hint: `pass ${missing.length === 1 ? 'it' : 'them'} again, from a file only you can read: runbook rollback ${runId} -e @secrets.yaml`,
    });
  }
  const [playbook, inventory] = await Promise.all([loadPlaybook(start.playbook), loadInventory(start.inventory)]);
  const moved: string[] = [];
  for (const [h, was] of Object.entries(start.reconnect.hosts)) {
    let now: ReturnType<typeof connectionVars> | undefined;
    try {
      now = inventory.hosts.has(h) ? connectionVars(inventory.varsFor(h)) : undefined;
    } catch {
      now = undefined;
    }
    if (!now) moved.push(`${h} is no longer in the inventory`);
    else if ((now.address ?? h) !== (was.address ?? h) || (now.port ?? 22) !== (was.port ?? 22)) moved.push(`${h} was ${was.address ?? h}:${was.port ?? 22}, the inventory now says ${now.address ?? h}:${now.port ?? 22}`);
  }
  if (moved.length) {
    throw new ConfigError({ message: `the inventory (${start.inventory.join(', ')}) no longer points at the hosts run ${runId} changed: ${moved.join('; ')}; nothing was undone`, hint: 'put the inventory back as it was for that run' });
  }
  const extraVars = { ...start.extraVars, ...given };

  const bus = new EventBus();
  const format = flags.output ?? (process.stdout.isTTY ? 'tty' : 'plain');
  let tty: TtyReporter | undefined;
  if (format === 'json') bus.on(jsonReporter());
  else if (format === 'tty') {
    tty = new TtyReporter({ verbosity: flags.verbose });
    bus.on(tty.listener);
  } else bus.on(plainReporter({ verbosity: flags.verbose }));
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const prompter = interactive ? new InquirerPrompter(async (fn) => { await tty?.idle(); return fn(); }) : new NoTtyPrompter();
  const becomePassword = flags.askBecomePass ? await prompter.password('sudo password:') : undefined;
  const rc = start.reconnect;

  // the run's own lock: its stale lock is taken over (and what it left half-done is said), a live run waits or refuses
  const lock = await takeRunLock(
    { playbook, inventory, extraVars },
    {
      lock: rc.lock,
      lockWait: flags.lockWait,
      locksDir: flags.locksDir ?? rc.locksDir,
      inventory: start.inventory,
      check: false,
      forks: start.forks,
      user: rc.user,
      knownHosts: rc.knownHosts,
      acceptNewHostKeys: rc.acceptNewHostKeys,
      sshConfig: rc.sshConfig,
      connectTimeout: rc.connectTimeout,
    },
    bus,
  );
  try {
    const summary = await undoDeadRun({
      reading: { ...reading, start },
      runDir: dir,
      playbook,
      inventory,
      extraVars,
      yes: flags.yes,
      prompter,
      bus,
      secrets: becomePassword === undefined ? [] : [becomePassword],
      connect: hostConnector(inventory, {
        sshConfigFile: rc.sshConfig,
        knownHosts: rc.knownHosts,
        acceptNewHostKeys: rc.acceptNewHostKeys,
        connectTimeoutMs: rc.connectTimeout * 1000,
        user: rc.user,
        becomePassword,
        forks: start.forks,
        hooks: interactive ? { passphrase: (file: string) => prompter.password(`passphrase for ${file}:`) } : {},
      }),
    });
    // undone, or as far as it could be (the recap names what is left): no longer a dead run's
    if (summary.status !== 'refused') clearUnfinished(stateDir, runId);
    await tty?.idle();
    return summary;
  } finally {
    await lock?.release();
  }
}
