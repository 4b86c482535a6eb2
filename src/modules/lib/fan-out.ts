import { PassThrough, type Readable } from 'node:stream';
import { Sha256Tap } from './checksum.js';
import { ByteCounter } from './progress.js';

/**
 * One source stream shared by the hosts of a task that need it at the same time.
 *
 * `distribute` runs once per host like every module, but reading the source once and writing
 * it to every target is what makes it fast: a file on another host is read and decrypted once
 * instead of once per target, a controller file is hashed once. Hosts join a group under a key
 * (run, source); the group opens the source when every member that joined has either asked for
 * the data or left (its dest was already up to date), and either the hosts the task runs on
 * have all joined (`expected`) or the first member has waited `windowMs` (some of them may not
 * run the task at all). A host that joins after that gets a group of its own: slower, never
 * wrong.
 *
 *   const member = fanOut.join(key, () => openSource(), hostsOfTheTask.length);
 *   ... decide whether this host needs the file ...
 *   if (!needed) member.leave();
 *   else { const { stream, digest } = member.take(); await put(stream); await digest; }
 *
 * Backpressure: the source pauses while any target is full, so memory stays bounded (a few
 * chunks per target) and the group moves at the pace of the slowest target. A target that
 * fails is dropped; the others go on.
 */
export interface FanOutMember {
  /**
   * this host needs the data: its own stream of it, and the size and sha256 of the whole source.
   * `hash: false` when the host already knows what the data must hash to (it checks its copy
   * against that): when no member of the group asks for the hash, the source is not hashed
   * here at all, and `sha256` is undefined.
   */
  take(opts?: { hash?: boolean }): { stream: Readable; digest: Promise<SourceDigest> };
  /** this host does not need the data (or stopped needing it); idempotent */
  leave(): void;
}

export interface SourceDigest {
  size: number;
  sha256?: string;
}

interface Member {
  state: 'waiting' | 'taken' | 'left';
  out: PassThrough;
  wantsHash: boolean;
}

class Group {
  readonly members = new Set<Member>();
  private windowOver = false;
  private started = false;
  private readonly timer: NodeJS.Timeout;
  readonly digest: Promise<SourceDigest>;
  private settleDigest!: { resolve: (d: SourceDigest) => void; reject: (e: unknown) => void };

  constructor(
    private readonly open: () => Promise<Readable>,
    windowMs: number,
    private readonly onStart: () => void,
  ) {
    this.digest = new Promise((resolve, reject) => (this.settleDigest = { resolve, reject }));
    // nobody may be waiting for it (every member left); never an unhandled rejection
    this.digest.catch(() => {});
    this.timer = setTimeout(() => {
      this.windowOver = true;
      this.maybeStart();
    }, windowMs);
  }

  get isOpen(): boolean {
    return !this.started;
  }

  /** every host that can join has joined: no reason to wait out the window */
  closeWindow(): void {
    this.windowOver = true;
    clearTimeout(this.timer);
    this.maybeStart();
  }

  maybeStart(): void {
    if (this.started || !this.windowOver) return;
    if ([...this.members].some((m) => m.state === 'waiting')) return;
    this.started = true;
    clearTimeout(this.timer);
    this.onStart();
    const takers = [...this.members].filter((m) => m.state === 'taken');
    if (takers.length === 0) return;
    void this.run(takers);
  }

  private async run(takers: Member[]): Promise<void> {
    let source: Readable;
    try {
      source = await this.open();
    } catch (err) {
      for (const m of takers) m.out.destroy(err as Error);
      this.settleDigest.reject(err);
      return;
    }
    // hashing costs ~0.2 s of this thread per 256 MB, in the data path: only when someone asked
    const tap = takers.some((m) => m.wantsHash) ? new Sha256Tap() : new ByteCounter(() => {});
    source.on('error', (err) => tap.destroy(err));
    tap.on('error', (err) => {
      for (const m of takers) m.out.destroy(err);
      this.settleDigest.reject(err);
    });
    // settles nothing after 'end'; otherwise tells waiting members the source stopped short
    tap.on('close', () => this.settleDigest.reject(new Error('the source stream closed before its end')));

    // Readable.pipe to several destinations can stall for good when one of them is destroyed
    // while the source waits for its 'drain'; this loop forgets a closed target instead
    const active = new Set(takers.map((m) => m.out));
    const full = new Set<PassThrough>();
    let ended = false;
    const resumeIfClear = (): void => {
      if (full.size === 0 && !tap.destroyed) tap.resume();
    };
    for (const out of active) {
      out.on('drain', () => {
        if (full.delete(out)) resumeIfClear();
      });
      out.once('close', () => {
        active.delete(out);
        if (full.delete(out)) resumeIfClear();
        // every target gave up: stop reading the source (a remote `cat` would otherwise hang)
        if (active.size === 0 && !ended) {
          source.destroy();
          tap.destroy();
        }
      });
    }
    tap.on('data', (chunk: Buffer) => {
      for (const out of active) if (!out.write(chunk)) full.add(out);
      if (full.size > 0) tap.pause();
    });
    tap.on('end', () => {
      ended = true;
      this.settleDigest.resolve(tap instanceof Sha256Tap ? { sha256: tap.digest(), size: tap.bytes } : { size: tap.bytes });
      for (const out of active) out.end();
    });
    source.pipe(tap);
  }
}

export class FanOut {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly windowMs = 100) {}

  /** @param expected how many hosts may join at most (the task's hosts), when known */
  join(key: string, open: () => Promise<Readable>, expected?: number): FanOutMember {
    let group = this.groups.get(key);
    if (group === undefined || !group.isOpen) {
      const g: Group = new Group(open, this.windowMs, () => {
        if (this.groups.get(key) === g) this.groups.delete(key);
      });
      group = g;
      this.groups.set(key, g);
    }
    const g = group;
    const member: Member = { state: 'waiting', out: new PassThrough(), wantsHash: true };
    // the consumer sees the error through its own pipeline; this keeps an error that arrives
    // before the consumer attached from crashing the process
    member.out.on('error', () => {});
    g.members.add(member);
    if (expected !== undefined && g.members.size >= expected) g.closeWindow();
    return {
      take: (opts = {}) => {
        if (member.state !== 'waiting') throw new Error('fan-out member already took or left');
        member.state = 'taken';
        member.wantsHash = opts.hash ?? true;
        g.maybeStart();
        return { stream: member.out, digest: g.digest };
      },
      leave: () => {
        if (member.state === 'left') return;
        const wasTaken = member.state === 'taken';
        member.state = 'left';
        if (wasTaken) member.out.destroy();
        g.maybeStart();
      },
    };
  }
}
