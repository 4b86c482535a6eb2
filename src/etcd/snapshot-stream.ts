/**
 * Turns the Snapshot RPC's messages into the bytes of a snapshot file, hashing as they pass:
 * the sha256 of the whole file (for FILE.sha256) and the check etcd makes possible by sending
 * the sha256 of the database as the last 32 bytes. A stream that ends early or arrives damaged
 * fails here, before the file is renamed into place.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { SNAPSHOT_HASH_BYTES } from './snapshot-check.js';

interface SnapshotMessage {
  blob?: Buffer;
  remaining_bytes?: string | number;
  header?: { revision?: string } | null;
}

export class SnapshotStreamDecoder extends Transform {
  /** sha256 of every byte written out */
  private readonly fileHash: Hash = createHash('sha256');
  /** sha256 of every byte but the trailing 32, which etcd sends as that hash */
  private readonly bodyHash: Hash = createHash('sha256');
  private tail = Buffer.alloc(0);
  private sawLast = false;
  bytes = 0;
  /** the revision the snapshot was taken at (first message's header) */
  revision?: number;
  /** bytes still to come, as the server last announced */
  remaining?: number;
  sha256?: string;

  /** `onProgress(bytesSoFar, bytesStillToCome)` per message; a 'data' listener would steal the bytes */
  constructor(private readonly onProgress?: (bytes: number, remaining: number | undefined) => void) {
    super({ readableObjectMode: false, writableObjectMode: true });
  }

  override _transform(msg: SnapshotMessage, _enc: BufferEncoding, cb: TransformCallback): void {
    // etcd 3.5+ puts the snapshot's revision in the first header; 3.4 sends none (or zero)
    if (this.revision === undefined && msg.header?.revision !== undefined && Number(msg.header.revision) > 0) {
      this.revision = Number(msg.header.revision);
    }
    const blob = msg.blob ?? Buffer.alloc(0);
    if (msg.remaining_bytes !== undefined) {
      this.remaining = Number(msg.remaining_bytes);
      if (this.remaining === 0) this.sawLast = true;
    }
    if (blob.length > 0) {
      this.fileHash.update(blob);
      this.bytes += blob.length;
      const joined = Buffer.concat([this.tail, blob]);
      const cut = Math.max(0, joined.length - SNAPSHOT_HASH_BYTES);
      this.bodyHash.update(joined.subarray(0, cut));
      this.tail = Buffer.from(joined.subarray(cut));
      this.push(blob);
    }
    this.onProgress?.(this.bytes, this.remaining);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (!this.sawLast) {
      cb(new Error(`snapshot stream ended early after ${this.bytes} bytes (${this.remaining ?? '?'} still announced)`));
      return;
    }
    if (this.tail.length !== SNAPSHOT_HASH_BYTES || !this.bodyHash.digest().equals(this.tail)) {
      cb(new Error(`snapshot received from etcd is corrupt: its sha256 does not match the hash etcd sent (${this.bytes} bytes)`));
      return;
    }
    this.sha256 = this.fileHash.digest('hex');
    cb();
  }
}

/** FILE.sha256 in `sha256sum` format, so `sha256sum -c FILE.sha256` works beside the file */
export function sha256SidecarText(sha256: string, fileName: string): string {
  return `${sha256}  ${fileName}\n`;
}
