import type { EventBus } from '../events/bus.js';
import type { Inventory, Vars } from '../inventory/types.js';
import type { Play } from '../playbook/types.js';
import type { Become, Transport } from '../transport/types.js';
import type { Prompter } from './confirm.js';
import type { RunJournal } from './journal.js';
import type { Secrets } from './redact.js';

export interface RunOptions {
  /** report what would change, change nothing */
  check: boolean;
  diff: boolean;
  /** hosts a task runs on at once */
  forks: number;
  /** answer every confirmation with yes */
  yes: boolean;
  /** ask before each task */
  step: boolean;
  tags: string[];
  skipTags: string[];
}

/** What the engine needs to reach hosts; the CLI builds it from a ConnectionPool. */
export interface HostConnections {
  get(host: string): Promise<Transport>;
  /** become settings from the host's connection vars (ansible_become*) */
  becomeFor(host: string): { become?: boolean; user?: string; password?: string; loginUser: string };
}

/** Shared state of one run, passed explicitly to every engine function. */
export interface RunContext {
  runId: string;
  runDir: string;
  playbookFile: string;
  playbookDir: string;
  inventory: Inventory;
  extraVars: Vars;
  options: RunOptions;
  bus: EventBus;
  connections: HostConnections;
  prompter: Prompter;
  /** facts per host: registered results, set_fact, module facts (live for the whole run) */
  facts: Map<string, Vars>;
  /** Ctrl-C: stop starting new work (and stop checks and waits) */
  signal: AbortSignal;
  /**
   * values never to show (passwords, tokens): found by name in every variable layer, and added
   * as they appear (set_fact, registered results of no_log tasks and of secret-named registers)
   */
  secrets: Secrets;
  /**
   * --check: the changes reported so far that were not made (`host: task`). A later task that
   * fails may fail only because of them: it is reported as "would run", not as a failure.
   */
  checkChanges?: string[];
  /** aborts commands that change something; without it, `signal` does */
  commandSignal?: AbortSignal;
  /** the run journal (engine/journal.ts), told of each step before it starts; none in --check */
  journal?: RunJournal;
  /** --step: the operator answered "continue"; no more questions for the rest of the run */
  stepAll?: boolean;
}

/** Per-play state the task runner needs. */
export interface PlayScope {
  play: Play;
  playIndex: number;
  hosts: string[];
  /** vars loaded from the play's vars_files */
  varsFilesVars: Vars;
}

export type { Become };
