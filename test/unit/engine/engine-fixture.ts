import { Readable, PassThrough } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../../src/events/bus.js';
import type { RunEvent } from '../../../src/events/types.js';
import { ScriptedPrompter, type Prompter } from '../../../src/engine/confirm.js';
import { runPlaybook, type ConnectedHosts, type RunSummary } from '../../../src/engine/run.js';
import type { RunOptions } from '../../../src/engine/context.js';
import type { Inventory, Vars } from '../../../src/inventory/types.js';
import type { Play, Playbook, Task } from '../../../src/playbook/types.js';
import type { ExecResult, Transport } from '../../../src/transport/types.js';

/** A host that records every command and fails the ones matching `failOn`. */
export class RecordingHost implements Transport {
  readonly log: string[] = [];
  failOn?: RegExp;
  constructor(readonly host: string) {}
  async exec(line: string): Promise<ExecResult> {
    const command = unwrapShell(line);
    this.log.push(command);
    const failed = this.failOn?.test(command) ?? false;
    return { exitCode: failed ? 1 : 0, stdout: failed ? '' : 'ok\n', stderr: failed ? 'boom\n' : '', durationMs: 1 };
  }
  async put(): Promise<void> {}
  async get(): Promise<Readable> {
    return Readable.from([]);
  }
  async forward() {
    return new PassThrough();
  }
  async close(): Promise<void> {}
}

/** the shell module sends `/bin/sh -c '<script>'`; the tests speak of the script */
function unwrapShell(line: string): string {
  const m = /^\/bin\/sh -c (.*)$/s.exec(line);
  if (!m) return line;
  const arg = m[1]!;
  if (!arg.startsWith("'")) return arg;
  return arg.replace(/'"'"'/g, "\u0000").replace(/'/g, '').replace(/\u0000/g, "'");
}

export function memoryInventory(hosts: string[], vars: Record<string, Vars> = {}): Inventory {
  const groups = new Map([['all', { name: 'all', hosts, children: [], vars: {} }]]);
  return {
    sources: ['memory'],
    hosts: new Map(hosts.map((h) => [h, { name: h, vars: vars[h] ?? {}, groups: ['all'] }])),
    groups,
    varsFor: (h) => ({ ...(vars[h] ?? {}) }),
    select: (p) => (p === 'all' ? hosts : p.split(',').filter((h) => hosts.includes(h))),
    groupsMap: () => ({ all: hosts }),
  };
}

const loc = { file: 'test.yaml', line: 1, col: 1 };

export function shellTask(name: string, cmd: string, extra: Partial<Task> = {}): Task {
  return { name, module: 'shell', args: { cmd }, tags: [], notify: [], rollback: [], loc, argLocs: {}, ...extra };
}

export function play(tasks: Task[], extra: Partial<Play> = {}): Playbook {
  return {
    file: 'test.yaml',
    plays: [{ name: 'test play', hosts: 'all', vars: {}, vars_files: [], preflight: [], tasks, handlers: [], rollback: [], tags: [], loc, ...extra }],
  };
}

export interface Run {
  summary: RunSummary;
  events: RunEvent[];
  hosts: Map<string, RecordingHost>;
}

export async function runOn(
  playbook: Playbook,
  hostNames: string[],
  opts: {
    options?: Partial<RunOptions>;
    prompter?: Prompter;
    prepare?: (h: Map<string, RecordingHost>) => void;
    unreachable?: string[];
    extraVars?: Vars;
    secrets?: string[];
    hostVars?: Record<string, Vars>;
    makeHost?: (name: string) => RecordingHost;
  } = {},
): Promise<Run> {
  const hosts = new Map(hostNames.map((h) => [h, opts.makeHost?.(h) ?? new RecordingHost(h)]));
  opts.prepare?.(hosts);
  const bus = new EventBus();
  const events: RunEvent[] = [];
  bus.on((e) => events.push(e));
  const connect = async (): Promise<ConnectedHosts> => ({
    failures: new Map((opts.unreachable ?? []).map((h) => [h, new Error('connection refused')])),
    get: async (h) => hosts.get(h)!,
    becomeFor: () => ({ loginUser: 'root' }),
    closeAll: async () => {},
  });
  const summary = await runPlaybook({
    playbook,
    inventory: memoryInventory(hostNames, opts.hostVars),
    inventorySources: ['memory'],
    extraVars: opts.extraVars ?? {},
    secrets: opts.secrets,
    options: { check: false, diff: false, forks: 10, yes: true, step: false, tags: [], skipTags: [], ...opts.options },
    runsRoot: mkdtempSync(join(tmpdir(), 'runbook-runs-')),
    prompter: opts.prompter ?? new ScriptedPrompter(),
    bus,
    connect,
  });
  return { summary, events, hosts };
}
