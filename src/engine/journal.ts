/**
 * The run journal: what `runbook rollback RUN_ID` needs to undo a run whose controller died
 * (kill -9, a laptop lid, a dropped jump host), written into the run's own `events.jsonl`
 * next to its events and on disk (fsync) before each step starts.
 *
 *   journal:start  once, before the first change: the playbook (path and sha256), the
 *                  inventory sources, the -e variables, the options, how each host was reached
 *   journal:facts  before a step starts: every host's facts (registered results, set_fact,
 *                  module facts) that changed since the last record, as the rollback steps
 *                  will read them
 *   journal:step   a step is about to start on a host (which play, which task)
 *   journal:done   it ended, and whether it went on the host's undo stack
 *   journal:undoing / journal:undone  the undo of a completed step has run on a host (in-process or by
 *                  `runbook rollback`): a rollback stopped half-way is not run twice
 *
 * Never a secret: a variable or fact whose value holds a known secret (docs/secrets.md) is
 * withheld, named only; `runbook rollback` asks for -e values again, and a rollback step that
 * reads a withheld fact fails and is reported instead of running with a wrong value.
 */
import type { TaskStatus } from '../events/types.js';
import type { Vars } from '../inventory/types.js';
import type { Secrets } from './redact.js';

/** how the run reached its hosts and kept others out: `runbook rollback` does the same */
export interface ReconnectFacts {
  user?: string;
  knownHosts?: string;
  sshConfig?: string;
  acceptNewHostKeys: boolean;
  connectTimeout: number;
  lock: 'file' | 'etcd' | 'none';
  /** absolute */
  locksDir?: string;
  /** per host: where it was reached (address, port, user, key file, jump host), for a check that it still is */
  hosts: Record<string, { address?: string; port?: number; user?: string; keyFile?: string; proxyJump?: string; connection?: string }>;
}

export interface JournalStart {
  type: 'journal:start';
  time: string;
  runId: string;
  /** absolute */
  playbook: string;
  playbookSha256: string;
  /** absolute */
  inventory: string[];
  extraVars: Vars;
  /** -e variables holding secrets: not recorded, asked for again */
  withheldVars: string[];
  limit?: string;
  forks: number;
  tags: string[];
  skipTags: string[];
  reconnect: ReconnectFacts;
}

export interface JournalFacts {
  type: 'journal:facts';
  host: string;
  set: Vars;
  /** facts holding a secret: named, never recorded */
  withheld: string[];
}

export interface JournalStep {
  type: 'journal:step';
  seq: number;
  playIndex: number;
  phase: 'task' | 'handler';
  /** the task's place in the play's `tasks` (or `handlers`) as written */
  index: number;
  host: string;
}

export interface JournalDone {
  type: 'journal:done';
  seq: number;
  host: string;
  status: TaskStatus;
  /** the task completed and has rollback steps: it is on the host's undo stack */
  undo: boolean;
}

/** the undo of one completed task is about to start on a host */
export interface JournalUndoing {
  type: 'journal:undoing';
  seq: number;
  host: string;
}

/** every rollback step of one completed task has run on a host (`ok`: none failed) */
export interface JournalUndone {
  type: 'journal:undone';
  seq: number;
  host: string;
  ok: boolean;
}

export type JournalRecord = JournalStart | JournalFacts | JournalStep | JournalDone | JournalUndoing | JournalUndone;

export function isJournalRecord(v: { type?: unknown }): v is JournalRecord {
  return typeof v.type === 'string' && v.type.startsWith('journal:');
}

/** what the engine tells the journal; absent for --check runs, which change nothing */
export interface RunJournal {
  /** `hidden`: facts a no_log task sets, never recorded (withheld) from now on */
  stepStarting(step: Omit<JournalStep, 'type'>, hidden?: readonly string[]): void;
  stepDone(done: Omit<JournalDone, 'type'>): void;
  /** a completed task's undo starts on a host */
  undoing(u: Omit<JournalUndoing, 'type'>): void;
  /** a completed task's undo has run on a host: a later `runbook rollback` does not run it again */
  undone(u: Omit<JournalUndone, 'type'>): void;
}

/**
 * The engine's side: facts are compared by identity with what was last recorded (a fact
 * that changes is a new object), so each record holds only what changed.
 */
export class JournalWriter implements RunJournal {
  private readonly recorded = new Map<string, Vars>();
  private readonly hidden = new Set<string>();

  constructor(
    private readonly write: (r: JournalRecord) => void,
    private readonly facts: Map<string, Vars>,
    private readonly secrets: Secrets,
  ) {}

  start(record: Omit<JournalStart, 'type' | 'time'>): void {
    this.write({ type: 'journal:start', time: new Date().toISOString(), ...record });
  }

  stepStarting(step: Omit<JournalStep, 'type'>, hidden: readonly string[] = []): void {
    for (const h of hidden) this.hidden.add(h);
    this.flushFacts();
    this.write({ type: 'journal:step', ...step });
  }

  stepDone(done: Omit<JournalDone, 'type'>): void {
    this.write({ type: 'journal:done', ...done });
  }

  undoing(u: Omit<JournalUndoing, 'type'>): void {
    this.flushFacts();
    this.write({ type: 'journal:undoing', ...u });
  }

  undone(u: Omit<JournalUndone, 'type'>): void {
    this.write({ type: 'journal:undone', ...u });
  }

  private flushFacts(): void {
    for (const [host, facts] of this.facts) {
      const before = this.recorded.get(host) ?? {};
      const set: Vars = {};
      const withheld: string[] = [];
      for (const [k, v] of Object.entries(facts)) {
        if (before[k] === v && k in before) continue;
        const { value, secret } = withoutSecrets(v, this.secrets);
        if (secret || this.hidden.has(k)) withheld.push(k);
        else set[k] = value;
      }
      this.recorded.set(host, facts);
      if (Object.keys(set).length || withheld.length) this.write({ type: 'journal:facts', host, set, withheld });
    }
  }
}

/** a value as JSON keeps it, and whether it holds a secret (then it is not recorded at all) */
export function withoutSecrets(v: unknown, secrets: Secrets): { value: unknown; secret: boolean } {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    return { value: undefined, secret: false };
  }
  if (text === undefined) return { value: undefined, secret: false };
  if (secrets.occursIn(text) || /PRIVATE KEY-----/.test(text)) return { value: undefined, secret: true };
  return { value: JSON.parse(text) as unknown, secret: false };
}

/** the -e variables as the journal keeps them: secret-named ones, any holding a secret, and `alsoWithheld` (what no_log tasks read) withheld */
export function journaledVars(vars: Vars, secrets: Secrets, alsoWithheld: ReadonlySet<string> = new Set()): { kept: Vars; withheld: string[] } {
  const kept: Vars = {};
  const withheld: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    const { value, secret } = withoutSecrets(v, secrets);
    if (secret || alsoWithheld.has(k)) withheld.push(k);
    else kept[k] = value;
  }
  return { kept, withheld };
}
