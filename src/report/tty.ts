import { Listr, type ListrTaskWrapper } from 'listr2';
import type { RunEvent } from '../events/types.js';
import { plainFormat, type PlainOptions } from './plain.js';
import { recapText } from './recap-text.js';

type HostTask = ListrTaskWrapper<unknown, any, any>;
interface HostSlot {
  task?: HostTask;
  resolve?: () => void;
  reject?: (e: Error) => void;
  /** an end that arrived before listr started the host's row */
  ended?: RunEvent & { type: 'host:end' };
  /** the last line the task logged on this host */
  lastLog?: string;
  /** results that must stay on screen (a debug report, a warning), printed under the finished tree */
  reports?: string[];
}

/**
 * The live view on a terminal: each task is a listr2 tree with one row per host that turns
 * green, yellow (changed), grey (skipped) or red as hosts finish, with the latest log line
 * under it. Tasks render one after another through a promise chain, so two trees never draw
 * at once; `idle()` lets a prompt wait until the screen is quiet.
 */
export class TtyReporter {
  private chain: Promise<void> = Promise.resolve();
  private slots = new Map<string, HostSlot>();
  private taskDone?: () => void;
  /** the running tree's top row, while a tree is on screen: a notice is pinned under it */
  private activeRow?: HostTask;

  constructor(private readonly opts: PlainOptions) {}

  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * A message that must be seen now (Ctrl-C): pinned under the running task while a tree is on
   * screen, where listr2 holds back anything written to the terminal until the tree is done,
   * and kept there when the tree is done; printed at once otherwise.
   */
  notice(text: string): void {
    if (this.activeRow) this.activeRow.output = text;
    else process.stdout.write(`${text}\n`);
  }

  readonly listener = (e: RunEvent): void => {
    switch (e.type) {
      case 'task:start':
        this.startTask(e);
        return;
      case 'host:end':
        this.endHost(e);
        return;
      case 'log': {
        if (e.level === 'debug' && this.opts.verbosity < 1) return;
        const slot = this.slots.get(e.host);
        if (slot) slot.lastLog = e.line;
        if (slot?.task) slot.task.output = e.line;
        return;
      }
      case 'task:end':
        this.taskDone?.();
        return;
      case 'run:end':
        this.print(recapText(e, !process.env.NO_COLOR));
        return;
      case 'confirm':
        // the prompt shows its answer; only an answer given in advance is news
        if (e.answer === 'auto') this.print('confirmed by --yes');
        return;
      case 'host:start':
      case 'preflight:check':
      case 'rollback:step':
      case 'output':
        return;
      default: {
        const line = (plainFormat[e.type] as (e: RunEvent, o: PlainOptions) => string | null)(e, this.opts);
        if (line !== null) this.print(line);
      }
    }
  };

  private print(text: string): void {
    this.chain = this.chain.then(() => {
      process.stdout.write(`${text}\n`);
    });
  }

  private startTask(e: RunEvent & { type: 'task:start' }): void {
    const slots = new Map<string, HostSlot>(e.hosts.map((h) => [h, {}]));
    this.slots = slots;
    const allEnded = new Promise<void>((resolve) => (this.taskDone = resolve));
    const prefix = e.phase === 'task' ? '' : `${e.phase}: `;
    const list = new Listr(
      [
        {
          title: `${prefix}${e.task}`,
          rendererOptions: { persistentOutput: true, outputBar: Infinity },
          task: (_ctx, parent) => {
            this.activeRow = parent;
            return parent.newListr(
              e.hosts.map((host) => ({
                title: host,
                task: (_c: unknown, t: HostTask) =>
                  new Promise<void>((resolve, reject) => {
                    const slot = slots.get(host)!;
                    Object.assign(slot, { task: t, resolve, reject });
                    if (slot.ended) this.settle(slot, slot.ended);
                  }),
              })),
              { concurrent: true, exitOnError: false },
            );
          },
        },
      ],
      { exitOnError: false, rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true }, registerSignalListeners: false },
    );
    this.chain = this.chain.then(async () => {
      await Promise.all([list.run().catch(() => undefined), allEnded]);
      this.activeRow = undefined;
      // the live rows show a result only while they run: what the task reported stays below it
      const reports = [...slots.values()].flatMap((sl) => sl.reports ?? []);
      if (reports.length) process.stdout.write(`${reports.join('\n')}\n`);
    });
  }

  private endHost(e: RunEvent & { type: 'host:end' }): void {
    const slot = this.slots.get(e.host);
    if (!slot) return;
    if (slot.task) this.settle(slot, e);
    else slot.ended = e;
  }

  private settle(slot: HostSlot, e: RunEvent & { type: 'host:end' }): void {
    const t = slot.task!;
    const took = e.durationMs >= 1000 ? `${(e.durationMs / 1000).toFixed(1)}s` : `${e.durationMs}ms`;
    switch (e.status) {
      case 'failed':
        slot.reject!(new Error(`${e.host}: ${e.msg ?? 'failed'}${e.stderr ? ` | ${e.stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`));
        return;
      case 'skipped':
        t.skip(`${e.host}: skipped${e.msg ? ` (${e.msg})` : ''}`);
        slot.resolve!();
        return;
      default:
        t.title = `${e.host}: ${e.status} (${took})${e.status === 'ignored' && e.msg ? `: ${e.msg}` : ''}`;
        // a message the task both logged and returned is its report (debug): keep it on screen
        if (e.msg && slot.lastLog === e.msg) slot.reports = [indent(`${e.host}: ${e.msg}`)];
        slot.resolve!();
    }
  }
}

/** a report under its tree, every line indented so it reads as belonging there */
function indent(text: string): string {
  return text.replace(/\n$/, '').split('\n').map((l) => `    ${l}`).join('\n');
}
