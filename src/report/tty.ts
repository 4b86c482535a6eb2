import { Listr, type ListrTaskWrapper } from 'listr2';
import type { EventOf, RunEvent, TaskStatus } from '../events/types.js';
import { ICON, colorWanted, painter, terminalWidth, wrapWords, type Tone } from './paint.js';
import { plainFormat, type PlainOptions } from './plain.js';
import { recapText } from './recap-text.js';

type HostTask = ListrTaskWrapper<unknown, any, any>;
type HostEnd = EventOf<'host:end'>;
interface HostSlot {
  task?: HostTask;
  resolve?: () => void;
  reject?: (e: Error) => void;
  /** how the host ended */
  ended?: HostEnd;
  /** the last line the task logged on this host */
  lastLog?: string;
  /** results that must stay on screen (a debug report, a warning), printed under the finished task */
  reports?: string[];
}

/** tasks skipped on every host for the same reason, one after another: told as one line */
interface SkippedRun {
  titles: string[];
  hosts: string[];
  reason: string;
}

/**
 * The live view on a terminal. While a task runs, a listr2 tree shows one row per host with
 * its latest log line and a progress header (play, batch and its hosts, task n/N, time since
 * the start). When the task is done the tree is replaced by its record, in Ansible's colours:
 * ok green, changed yellow, skipped dim, failed a red ✖; hosts skipped alike share one row, and
 * tasks skipped on every host one after another share one line. Lines wrap between words to the
 * terminal's width. Tasks render one after another through a promise chain, so two trees never
 * draw at once; `idle()` lets a prompt wait until the screen is quiet.
 */
export class TtyReporter {
  private chain: Promise<void> = Promise.resolve();
  private slots = new Map<string, HostSlot>();
  private taskDone?: () => void;
  /** the running tree's top row, while a tree is on screen: a notice is pinned under it */
  private activeRow?: HostTask;
  /** notices shown while the tree ran, kept under its record */
  private treeNotices: string[] = [];
  private skipped?: SkippedRun;
  private started = Date.now();
  private play = { index: 0, count: 1, tasks: 0 };
  private batch = { n: 1, of: 1, hosts: [] as string[] };
  private checks = 0;
  private readonly paint: (tone: Tone, text: string) => string;

  constructor(private readonly opts: PlainOptions & { color?: boolean } = { verbosity: 0 }) {
    this.paint = painter(opts.color ?? colorWanted());
  }

  idle(): Promise<void> {
    return this.chain.then(() => this.flushSkipped());
  }

  /**
   * A message that must be seen now (Ctrl-C): pinned under the running task while a tree is on
   * screen, where listr2 holds back anything written to the terminal until the tree is done,
   * and kept under the task's record; printed at once otherwise.
   */
  notice(text: string): void {
    if (this.activeRow) {
      this.activeRow.output = text;
      this.treeNotices.push(text);
    } else {
      this.flushSkipped();
      process.stdout.write(`${text}\n`);
    }
  }

  readonly listener = (e: RunEvent): void => {
    switch (e.type) {
      case 'run:start':
        this.started = Date.parse(e.time ?? '') || Date.now();
        break;
      case 'play:start':
        this.play = { index: e.playIndex, count: e.plays ?? Math.max(1, e.playIndex + 1), tasks: e.tasks.length };
        break;
      case 'batch:start':
        this.batch = { n: e.batch, of: e.batches, hosts: e.hosts };
        break;
      case 'preflight:start':
        this.checks = e.checks.length;
        break;
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
        this.print(recapText(e, { color: this.opts.color ?? colorWanted(), width: terminalWidth() }));
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
      default:
        break;
    }
    const line = (plainFormat[e.type] as (e: RunEvent, o: PlainOptions) => string | null)(e, this.opts);
    if (line !== null) this.print(line);
  };

  private print(text: string): void {
    this.chain = this.chain.then(() => {
      this.flushSkipped();
      this.write(text.split('\n').flatMap((l) => wrapWords(l, terminalWidth(), leadingSpaces(l) + 2)));
    });
  }

  private write(lines: string[]): void {
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  }

  /**
   * The live header, `play 1/2 · node2 (batch 2/3) · task 5/9 · 0:21`, and its short form for
   * the record, `task 5/9 · 0:21` (the PLAY and BATCH lines above it say the rest).
   */
  private progress(e: EventOf<'task:start'>): { live: string; short: string } {
    const where: string[] = [];
    const count: string[] = [];
    if (e.phase === 'task') {
      if (this.play.count > 1) where.push(`play ${this.play.index + 1}/${this.play.count}`);
      if (this.batch.of > 1) where.push(`${this.batch.hosts.join(', ')} (batch ${this.batch.n}/${this.batch.of})`);
      if (this.play.tasks) count.push(`task ${Math.min(e.taskIndex + 1, this.play.tasks)}/${this.play.tasks}`);
    } else if (e.phase === 'preflight' && this.checks) {
      count.push(`check ${Math.min(e.taskIndex + 1, this.checks)}/${this.checks}`);
    }
    const s = Math.floor((Date.now() - this.started) / 1000);
    count.push(`${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);
    return { live: [...where, ...count].join(' · '), short: count.join(' · ') };
  }

  private startTask(e: EventOf<'task:start'>): void {
    const slots = new Map<string, HostSlot>(e.hosts.map((h) => [h, {}]));
    this.slots = slots;
    const allEnded = new Promise<void>((resolve) => (this.taskDone = resolve));
    const prefix = e.phase === 'task' ? '' : `${e.phase}: `;
    const title = `${prefix}${e.task}`;
    const progress = this.progress(e);
    const list = new Listr(
      [
        {
          // the header on its own row under the title, so a narrow terminal cuts neither
          title: `${title}\n${this.paint('dim', progress.live)}`,
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
      {
        exitOnError: false,
        // the live tree is replaced by the task's record when it is done
        rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true, clearOutput: true },
        registerSignalListeners: false,
      },
    );
    this.chain = this.chain.then(async () => {
      await Promise.all([list.run().catch(() => undefined), allEnded]);
      this.activeRow = undefined;
      const notices = this.treeNotices;
      this.treeNotices = [];
      this.record(title, progress.short, e.hosts.map((h) => slots.get(h)!), notices);
    });
  }

  /** what stays on screen of a finished task */
  private record(title: string, progress: string, slots: HostSlot[], notices: string[]): void {
    const ends = slots.map((s) => s.ended).filter((x): x is HostEnd => x !== undefined);
    const width = terminalWidth();
    if (ends.length && !notices.length && ends.every((x) => x.status === 'skipped')) {
      const reasons = new Set(ends.map((x) => x.msg ?? ''));
      const reason = reasons.size === 1 ? [...reasons][0]! : '';
      const hosts = ends.map((x) => x.host);
      const run = this.skipped;
      if (run && run.reason === reason && run.hosts.join() === hosts.join()) run.titles.push(title);
      else {
        this.flushSkipped();
        this.skipped = { titles: [title], hosts, reason };
      }
      return;
    }
    this.flushSkipped();
    const worst: TaskStatus = ends.some((x) => x.status === 'failed') ? 'failed' : ends.some((x) => x.status === 'changed') ? 'changed' : ends.some((x) => x.status === 'ignored') ? 'ignored' : ends.every((x) => x.status === 'skipped') ? 'skipped' : 'ok';
    const lines: string[] = [];
    const add = (text: string, indent: number, tone?: Tone) => {
      for (const row of wrapWords(text, width, indent)) lines.push(tone ? this.paint(tone, row) : row);
    };
    const head = wrapWords(`${ICON[worst]} ${title}  ${progress}`, width, 2);
    // the icon in the task's colour, the progress dim
    head[0] = head[0]!.replace(ICON[worst], this.paint(worst, ICON[worst]));
    const last = head.length - 1;
    head[last] = head[last]!.replace(progress, this.paint('dim', progress));
    lines.push(...head);
    const skippedAlike = new Map<string, string[]>();
    for (const x of ends) {
      if (x.status === 'skipped') {
        const r = x.msg ?? '';
        skippedAlike.set(r, [...(skippedAlike.get(r) ?? []), x.host]);
        continue;
      }
      const took = x.durationMs >= 1000 ? `${(x.durationMs / 1000).toFixed(1)}s` : `${x.durationMs}ms`;
      const tone: Tone = x.status;
      let text = `${ICON[x.status]} ${x.host}: ${x.status} (${took})`;
      if (x.status === 'failed') text += `: ${x.msg ?? 'failed'}${x.stderr ? ` | ${x.stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`;
      if (x.status === 'ignored' && x.msg) text += `: ${this.opts.verbosity >= 1 ? x.msg : quietReason(x.msg)}`;
      add(`  ${text}`, 6, tone === 'ok' ? undefined : tone);
    }
    for (const [reason, hosts] of skippedAlike) add(`  ${ICON.skipped} ${hosts.join(', ')}: skipped${reason ? ` (${reason})` : ''}`, 6, 'skipped');
    for (const n of notices) for (const l of n.split('\n')) add(`  ${l}`, leadingSpaces(l) + 4);
    for (const s of slots) for (const r of s.reports ?? []) for (const l of r.split('\n')) add(l, leadingSpaces(l) + 2);
    this.write(lines);
  }

  /** the tasks skipped alike so far, as one dim line (their names too with -v) */
  private flushSkipped(): void {
    const run = this.skipped;
    if (!run) return;
    this.skipped = undefined;
    const why = run.reason ? ` (${run.reason})` : '';
    const text =
      run.titles.length === 1
        ? `${ICON.skipped} ${run.titles[0]}: skipped on ${run.hosts.join(', ')}${why}`
        : `${ICON.skipped} ${run.titles.length} tasks skipped on ${run.hosts.join(', ')}${why}`;
    const lines = wrapWords(text, terminalWidth(), 2);
    if (run.titles.length > 1 && this.opts.verbosity >= 1) for (const t of run.titles) lines.push(...wrapWords(`    ${t}`, terminalWidth(), 6));
    this.write(lines.map((l) => this.paint('skipped', l)));
  }

  private endHost(e: HostEnd): void {
    const slot = this.slots.get(e.host);
    if (!slot) return;
    slot.ended = e;
    if (e.status !== 'failed' && e.status !== 'skipped' && e.msg && slot.lastLog === e.msg) {
      // a message the task both logged and returned is its report (debug): keep it on screen
      slot.reports = [indent(e.msg.startsWith(`${e.host}:`) ? e.msg : `${e.host}: ${e.msg}`)];
    }
    if (slot.task) this.settle(slot, e);
  }

  private settle(slot: HostSlot, e: HostEnd): void {
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
        t.title = `${e.host}: ${e.status} (${took})`;
        slot.resolve!();
    }
  }
}

/**
 * An error the playbook expects and ignores, without the gRPC boilerplate around it (status
 * codes, "Last error: ..."): what it means, in a few words. `-v` shows it whole.
 */
export function quietReason(msg: string): string {
  const grpc = /^(.*?):?\s*\b\d+ (UNAVAILABLE|DEADLINE_EXCEEDED|UNKNOWN|INTERNAL|CANCELLED|RESOURCE_EXHAUSTED)\b/.exec(msg);
  if (grpc) return `${grpc[1] ? `${grpc[1]}: ` : ''}${grpc[2] === 'DEADLINE_EXCEEDED' ? 'no answer in time' : 'not answering'} (-v for the gRPC error)`;
  const first = msg.split('\n')[0]!.replace(/\s*Last error:.*$/, '');
  return first.length > 100 ? `${first.slice(0, 99)}… (-v for all of it)` : first;
}

function leadingSpaces(l: string): number {
  return /^ */.exec(l)![0].length;
}

/** a report under its task, every line indented so it reads as belonging there */
function indent(text: string): string {
  return text.replace(/\n$/, '').split('\n').map((l) => `    ${l}`).join('\n');
}
