import type { EventOf, RunEvent } from '../events/types.js';

type ServiceState = 'running' | 'stopped' | 'start failed';

interface FileChange {
  task: string;
  backup?: string;
  restored: boolean;
  /** event order: when it was written, when its undo began */
  writtenAt: number;
  undoAt?: number;
  /** what the host said at the end: the file compared with its backup */
  checked?: 'same as its backup' | 'differs from its backup' | 'unknown';
}

interface PlannedUndo {
  undoes: string;
  task: string;
  steps: string[];
  done: Set<string>;
  /** steps that ran (not skipped by their condition): an undo that only skipped undid nothing */
  acted: number;
  failed: string[];
}

interface HostState {
  /** tasks that changed this host, by the name shown for it, and whether their undo ran */
  changed: Map<string, { undone: boolean }>;
  failed: { task: string; msg?: string }[];
  running?: { task: string; phase: string };
  /** the command that a confirmed stop aborted */
  aborted?: string;
  services: Map<string, ServiceState>;
  /** a service whose state changed during the run: only those are worth naming */
  touchedServices: Set<string>;
  files: Map<string, FileChange>;
  undo: PlannedUndo[];
  undoneSteps: number;
  /** event order of each service's last (re)start */
  startedAt: Map<string, number>;
}

/**
 * Where each host stands, at any moment of a run, from the event stream alone: what changed,
 * what was undone, what is still to undo, a service left stopped, a file left with new content,
 * a command cut off half-way. It answers two questions: "what would stopping now leave?" (the
 * second Ctrl-C) and "where is each host at the end?" (the final block).
 */
export class HostStates {
  private readonly hosts = new Map<string, HostState>();
  private rollbackStarted = false;
  private seq = 0;

  constructor(hosts: string[] = []) {
    for (const h of hosts) this.entry(h);
  }

  private entry(host: string): HostState {
    let s = this.hosts.get(host);
    if (!s) {
      s = { changed: new Map(), failed: [], services: new Map(), touchedServices: new Set(), files: new Map(), undo: [], undoneSteps: 0, startedAt: new Map() };
      this.hosts.set(host, s);
    }
    return s;
  }

  readonly listener = (e: RunEvent): void => {
    this.seq++;
    switch (e.type) {
      case 'run:start':
        for (const h of e.hosts) this.entry(h);
        return;
      case 'host:start':
        if (e.phase !== 'preflight') this.entry(e.host).running = { task: e.task, phase: e.phase };
        return;
      case 'host:end':
        this.hostEnd(e);
        return;
      case 'rollback:start':
        this.rollbackStarted = true;
        for (const p of e.plan ?? []) this.entry(p.host).undo.push({ undoes: p.undoes, task: p.task, steps: p.steps, done: new Set(), acted: 0, failed: [] });
        return;
      case 'rollback:step':
        this.rollbackStep(e);
        return;
      default:
        return;
    }
  };

  private hostEnd(e: EventOf<'host:end'>): void {
    if (e.phase === 'preflight') return;
    const s = this.entry(e.host);
    s.running = undefined;
    const fx = e.effect;
    if (fx?.service && fx.serviceState) {
      s.services.set(fx.service, fx.serviceState);
      s.touchedServices.add(fx.service);
      if (fx.serviceState === 'running') s.startedAt.set(fx.service, this.seq);
    }
    if (e.phase === 'rollback') return;
    if (e.status === 'changed') s.changed.set(e.task, { undone: false });
    if (e.status === 'failed') s.failed.push({ task: e.task, msg: e.msg });
    if (fx?.file) s.files.set(fx.file, { task: e.task, backup: fx.backup, restored: false, writtenAt: this.seq });
  }

  private rollbackStep(e: EventOf<'rollback:step'>): void {
    const s = this.entry(e.host);
    const u = s.undo.find((p) => p.undoes === e.undoes && !p.steps.every((st) => p.done.has(st)));
    for (const f of s.files.values()) if (u && f.task === u.task) f.undoAt ??= this.seq;
    if (e.status === 'failed') u?.failed.push(`"${e.step}" failed: ${e.msg ?? 'unknown error'}`);
    else {
      if (e.status !== 'skipped') {
        s.undoneSteps++;
        if (u) u.acted++;
      }
      u?.done.add(e.step);
    }
    if (u && u.failed.length === 0 && u.acted > 0 && u.steps.every((st) => u.done.has(st))) {
      const c = s.changed.get(u.task);
      if (c) c.undone = true;
      for (const f of s.files.values()) if (f.task === u.task) f.restored = true;
    }
  }

  /** files this run changed and kept a backup of: to compare on the host at the end */
  changedFiles(): { host: string; file: string; backup: string }[] {
    return [...this.hosts].flatMap(([host, s]) => [...s.files].filter(([, f]) => f.backup).map(([file, f]) => ({ host, file, backup: f.backup! })));
  }

  fileChecked(host: string, file: string, verdict: FileChange['checked']): void {
    const f = this.entry(host).files.get(file);
    if (!f || !verdict || verdict === 'unknown') return;
    f.checked = verdict;
    f.restored = verdict === 'same as its backup';
  }

  /** a confirmed stop: whatever runs now is cut off */
  markAborted(): void {
    for (const s of this.hosts.values()) {
      if (s.running) s.aborted = s.running.task;
    }
  }

  /** the second Ctrl-C: one line per host that stopping now would leave changed */
  describeStop(): string[] {
    const out: string[] = [];
    for (const [host, s] of this.hosts) {
      const parts = this.problems(s, true);
      if (parts.length) out.push(`${host}: ${parts.join('; ')}`);
    }
    const untouched = [...this.hosts].filter(([, s]) => this.problems(s, true).length === 0).map(([h]) => h);
    if (untouched.length && out.length) out.push(`${untouched.join(', ')}: nothing left to undo`);
    return out;
  }

  /** one sentence per host: where it stands at the end of a run that did not succeed */
  finalState(host: string): string {
    const s = this.entry(host);
    const problems = this.problems(s, false);
    const fine: string[] = [];
    const undoneTasks = [...s.changed.values()].filter((c) => c.undone).length;
    for (const [path, f] of s.files) if (f.restored) fine.push(`${path} restored${f.backup ? ` (same as ${f.backup})` : ''}`);
    for (const svc of s.touchedServices) if (s.services.get(svc) === 'running') fine.push(`${svc} running`);
    // after a rollback, anything still wrong means the rollback did not finish its job: said in the
    // words cron mails and pagers are grepped for
    if (problems.length) return `${this.rollbackStarted ? 'ROLLBACK INCOMPLETE: ' : ''}${[...problems, ...fine].join('; ')}`;
    if (s.changed.size === 0 && s.undoneSteps === 0) return s.failed.length ? `nothing was changed (${s.failed.map((f) => `"${f.task}" failed`).join(', ')})` : 'untouched';
    if (undoneTasks > 0 || s.undoneSteps > 0) return ['changed, then rolled back', ...fine].join('; ');
    return ['changed, no rollback steps declared', ...fine].join('; ');
  }

  /** true when a host is known to be left changed or broken */
  isLeftChanged(host: string): boolean {
    return this.problems(this.entry(host), false).length > 0;
  }

  private problems(s: HostState, live: boolean): string[] {
    const out: string[] = [];
    for (const svc of s.touchedServices) {
      const st = s.services.get(svc);
      if (st === 'stopped') out.push(`${svc} STOPPED`);
      else if (st === 'start failed') out.push(`${svc} STOPPED? (its start failed)`);
      else {
        // restarted after a file changed, and not again once its undo began: it runs with the change
        const at = s.startedAt.get(svc) ?? 0;
        const stale = [...s.files].filter(([, f]) => f.restored && at > f.writtenAt && (f.undoAt === undefined || at < f.undoAt));
        if (stale.length) out.push(`${svc} still RUNS WITH THE CHANGED ${stale.map(([p]) => p).join(', ')} (restarted after the change, not since the restore)`);
      }
    }
    if (s.aborted) out.push(`"${s.aborted}" was cut off by Ctrl-C: check this host by hand`);
    else if (live && s.running) out.push(`running now: "${s.running.task}"`);
    const fileTasks = new Set<string>();
    for (const [path, f] of s.files) {
      if (f.restored) continue;
      fileTasks.add(f.task);
      const u = s.undo.find((x) => x.task === f.task);
      const skippedAll = u && u.acted === 0 && u.steps.every((st) => u.done.has(st));
      const how =
        f.checked === 'differs from its backup'
          ? 'holds the NEW content'
          : skippedAll
            ? 'its undo steps were all SKIPPED: it may still hold the NEW content'
            : 'is NOT restored';
      out.push(`${path} was changed by this run and ${how}${f.backup ? ` (the old one is kept as ${f.backup})` : ''}`);
    }
    if (!this.rollbackStarted) {
      // no rollback (yet): every change stands
      const changed = [...s.changed.keys()].filter((t) => !fileTasks.has(t));
      if (changed.length) out.push(`changed by ${changed.map((t) => `"${t}"`).join(', ')}`);
    }
    for (const u of s.undo) {
      const notRun = u.steps.filter((st) => !u.done.has(st) && !u.failed.some((f) => f.startsWith(`"${st}"`)) && st !== s.running?.task);
      if (!notRun.length) continue;
      const ran = u.steps.filter((st) => u.done.has(st));
      out.push(ran.length ? `undo of "${u.task}" HALF DONE, not run: ${notRun.join(', ')}` : `"${u.task}" NOT undone (not run: ${notRun.join(', ')})`);
    }
    for (const u of s.undo) out.push(...u.failed.map((f) => `undo ${f}`));
    return out;
  }
}
