import { Transform, type TransformCallback } from 'node:stream';

/**
 * Progress lines for long transfers (`64.0/256.0 MB, 112.4 MB/s`), at most one per interval so
 * a fast copy does not flood the reporter.
 */
export class TransferProgress {
  private readonly started = performance.now();
  private lastLog = this.started;

  constructor(
    private readonly total: number,
    private readonly log: (line: string) => void,
    private readonly label: string,
    private readonly intervalMs = 1000,
  ) {}

  update(bytes: number): void {
    const now = performance.now();
    if (now - this.lastLog < this.intervalMs) return;
    this.lastLog = now;
    this.log(`${this.label}: ${this.format(bytes, now)}`);
  }

  /** the closing line; returns the average rate in MB/s */
  finish(bytes: number): number {
    const now = performance.now();
    this.log(`${this.label}: ${this.format(bytes, now)} done`);
    return rateMBps(bytes, now - this.started);
  }

  private format(bytes: number, now: number): string {
    return `${mb(bytes)}/${mb(this.total)} MB, ${rateMBps(bytes, now - this.started).toFixed(1)} MB/s`;
  }
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

export function rateMBps(bytes: number, ms: number): number {
  return ms > 0 ? bytes / 1e6 / (ms / 1000) : 0;
}

/** Counts the bytes flowing through it, for progress lines on a stream that is not ours to hash. */
export class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes: (total: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    done(null, chunk);
  }
}
