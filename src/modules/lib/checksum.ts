import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';

/** sha256 of bytes, as lowercase hex (the form `sha256sum` prints). */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A pass-through stream that hashes and counts what flows through it, so a file can be
 * checksummed while it is being sent instead of being read twice.
 *
 *   const tap = new Sha256Tap();
 *   await pipeline(source, tap, destination);
 *   tap.digest() // 'e3b0c4...'
 */
export class Sha256Tap extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private hex: string | undefined;

  /** @param onBytes called with the running total after each chunk (progress lines) */
  constructor(private readonly onBytes?: (total: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }

  /** the hex digest; call once the stream has ended */
  digest(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}

/** Hash a stream to its end without keeping it in memory. */
async function sha256OfStream(source: Readable, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  const tap = new Sha256Tap();
  const sink = new Writable({ write: (_c, _e, done) => done() });
  await pipeline(source, tap, sink, { signal });
  return { sha256: tap.digest(), size: tap.bytes };
}

export function sha256OfFile(path: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  return sha256OfStream(createReadStream(path), signal);
}

/** The digest from `sha256sum` output (`<hex>  -` or `<hex>  path`); undefined when there is none. */
export function parseSha256sum(stdout: string): string | undefined {
  const m = /^\\?([0-9a-f]{64})\b/m.exec(stdout);
  return m?.[1];
}
