import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { quote } from '../../transport/shell-quote.js';

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

/** files from this size up are hashed with openssl on the host (see hostSha256Command) */
export const OPENSSL_HASH_FROM_BYTES = 4 * 1024 * 1024;

/**
 * `feed(hasher)` is a command line giving some bytes to `hasher`; this runs it with openssl and,
 * when openssl is missing or fails, again with sha256sum. Prints `<hex> ...` either way.
 */
function opensslElseSha256sum(feed: (hasher: string) => string): string {
  return `{ ${feed('openssl dgst -sha256 -r')} 2>/dev/null || ${feed('sha256sum')}; }`;
}

/**
 * A host command printing the sha256 of `path` as `<hex> ...` (what parseSha256sum reads). Big
 * files go through openssl, falling back to sha256sum when it is missing or fails; small ones
 * straight to sha256sum, which starts in half the time (2 ms against 3 ms). OpenSSL's digest uses
 * the CPU's SHA instructions and hashes a 160 MB snapshot about 3x faster than coreutils'
 * sha256sum (0.15 s against 0.45 s here).
 */
export function hostSha256Command(path: string, sizeHint?: number): string {
  const p = quote(path);
  if (sizeHint !== undefined && sizeHint < OPENSSL_HASH_FROM_BYTES) return `sha256sum < ${p}`;
  return opensslElseSha256sum((hasher) => `${hasher} < ${p}`);
}

/** hostSha256Command for what the shell command `producer` prints (run again for the fallback) */
export function hostSha256OfOutputCommand(producer: string): string {
  return opensslElseSha256sum((hasher) => `${producer} | ${hasher}`);
}

/** The digest from `sha256sum` or `openssl dgst -r` output (`<hex>  -`, `<hex>  path`, `<hex> *stdin`); undefined when there is none. */
export function parseSha256sum(stdout: string): string | undefined {
  const m = /^\\?([0-9a-f]{64})\b/m.exec(stdout);
  return m?.[1];
}
