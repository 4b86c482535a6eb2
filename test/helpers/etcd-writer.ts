/**
 * Talk to sandbox etcd members straight from the test process (the members' client URLs on the
 * sandbox subnet), independently of the code under test: bulk puts, filling the quota, and a
 * continuous writer that measures how long writes failed while a runbook ran.
 *
 *   const w = startWriter({ endpoints: sb.endpoints, tls: sb.tlsFiles, prefix: '/hb/' });
 *   ... run the runbook ...
 *   const report = await w.stop();   // report.longestOutageMs, report.acknowledged
 */
import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';
import { quietIpServernameWarning } from '../../src/etcd/quiet-ip-servername.js';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** no retries and no circuit breaker: every failure is seen, and a member that is back is used at once */
const callOnce = {
  execute: (fn: (ctx: { signal: AbortSignal; attempt: number }) => unknown) =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 0 })),
} as unknown as Policy;

/** a client with exactly one member behind it */
export function memberClient(endpoint: string, tls?: TlsFiles): Etcd3 {
  // member certificates name members by IP: the SNI warning is noise
  if (tls) quietIpServernameWarning();
  return new Etcd3({
    hosts: endpoint,
    credentials: tls
      ? { rootCertificate: readFileSync(tls.ca), certChain: readFileSync(tls.cert), privateKey: readFileSync(tls.key) }
      : undefined,
    grpcOptions: {
      // a restarted member is tried again within a second, not after grpc's default backoff
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.max_receive_message_length': -1,
    },
    faultHandling: { host: () => callOnce, global: callOnce },
  });
}

/** put `count` keys `${prefix}000001`... with small values, a batch at a time */
export async function putKeys(endpoint: string, tls: TlsFiles | undefined, prefix: string, count: number): Promise<string[]> {
  const client = memberClient(endpoint, tls);
  const keys: string[] = [];
  try {
    for (let i = 1; i <= count; i += 50) {
      const batch = Array.from({ length: Math.min(50, count - i + 1) }, (_, j) => `${prefix}${String(i + j).padStart(6, '0')}`);
      await Promise.all(batch.map((k) => client.put(k).value(`value of ${k}`).options({ deadline: Date.now() + 30_000 }).exec()));
      keys.push(...batch);
    }
  } finally {
    client.close();
  }
  return keys;
}

/**
 * Put what `write(i)` gives until the member answers "database space exceeded"; returns how many
 * writes went through. `what` names the writes in the error when the quota is never reached.
 */
async function putUntilNoSpace(
  endpoint: string,
  tls: TlsFiles | undefined,
  maxWrites: number,
  write: (i: number) => { key: string; value: string },
  what: string,
): Promise<{ writes: number; error: string }> {
  const client = memberClient(endpoint, tls);
  try {
    for (let i = 0; i < maxWrites; i++) {
      const { key, value } = write(i);
      try {
        await client.put(key).value(value).options({ deadline: Date.now() + 30_000 }).exec();
      } catch (e) {
        const message = (e as Error).message;
        if (/database space exceeded/i.test(message)) return { writes: i, error: message };
        throw e;
      }
    }
  } finally {
    client.close();
  }
  throw new Error(`wrote ${maxWrites} ${what} without reaching the quota`);
}

/**
 * Overwrite a few keys with big values until the member answers "database space exceeded";
 * returns how many writes went through. Old revisions pile up, as on a cluster that never
 * compacts.
 */
export function fillUntilNoSpace(endpoint: string, tls: TlsFiles | undefined, prefix: string, maxWrites = 2000): Promise<{ writes: number; error: string }> {
  const big = 'x'.repeat(200 * 1024);
  return putUntilNoSpace(endpoint, tls, maxWrites, (i) => ({ key: `${prefix}${i % 5}`, value: `${big}${i}` }), 'big values');
}

/**
 * Write new keys with big values until the member answers "database space exceeded": every
 * byte is live data (no old revisions), so neither compaction nor defrag can give any back.
 */
export function fillLiveUntilNoSpace(endpoint: string, tls: TlsFiles | undefined, prefix: string, maxWrites = 2000): Promise<{ writes: number; error: string }> {
  const big = 'y'.repeat(200 * 1024);
  return putUntilNoSpace(endpoint, tls, maxWrites, (i) => ({ key: `${prefix}${String(i).padStart(5, '0')}`, value: big }), 'new keys');
}

export interface Outage {
  /** ms since the writer started */
  from: number;
  to: number;
  ms: number;
  failedAttempts: number;
  errors: string[];
}

export interface WriterReport {
  attempts: number;
  failedAttempts: number;
  /** keys whose put was acknowledged */
  acknowledged: string[];
  /** stretches without an acknowledged write that had failed attempts in them */
  outages: Outage[];
  longestOutageMs: number;
  durationMs: number;
}

export interface WriterOptions {
  /** every member's client URL; writes go to one, the next one after a failure */
  endpoints: string[];
  tls?: TlsFiles;
  prefix: string;
  /** pause between writes */
  intervalMs?: number;
  /** deadline of one put */
  callTimeoutMs?: number;
}

/**
 * A client writing one new key after another, as an application would. A put goes to one member;
 * when it fails (the member restarts, or leadership moves) the same key is written again through
 * the next member. An outage runs from the last acknowledged write before a failure to the first
 * one after it.
 */
export function startWriter(opts: WriterOptions): { stop(): Promise<WriterReport> } {
  const clients = opts.endpoints.map((e) => memberClient(e, opts.tls));
  const started = Date.now();
  const report: WriterReport = { attempts: 0, failedAttempts: 0, acknowledged: [], outages: [], longestOutageMs: 0, durationMs: 0 };
  let stopping = false;
  let current = 0;
  const loop = (async () => {
    let seq = 0;
    let lastAck = 0;
    let outage: Outage | undefined;
    while (!stopping) {
      const key = `${opts.prefix}${String(++seq).padStart(7, '0')}`;
      for (;;) {
        report.attempts++;
        try {
          await clients[current]!.put(key).value(String(Date.now())).options({ deadline: Date.now() + (opts.callTimeoutMs ?? 500) }).exec();
          const now = Date.now() - started;
          report.acknowledged.push(key);
          if (outage) {
            outage.to = now;
            outage.ms = now - outage.from;
            report.outages.push(outage);
            report.longestOutageMs = Math.max(report.longestOutageMs, outage.ms);
            outage = undefined;
          }
          lastAck = now;
          break;
        } catch (e) {
          report.failedAttempts++;
          // before the first acknowledged write the client is still connecting (TLS handshakes on a
          // busy machine): the cluster was never seen up, so nothing has gone down yet
          if (report.acknowledged.length > 0) {
            outage ??= { from: lastAck, to: 0, ms: 0, failedAttempts: 0, errors: [] };
            outage.failedAttempts++;
            if (outage.errors.length < 5) outage.errors.push(`${opts.endpoints[current]}: ${(e as Error).message.split('\n')[0]}`);
          }
          current = (current + 1) % clients.length;
          if (stopping) break;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
    }
    if (outage) {
      // still failing when stopped: count it up to now
      outage.to = Date.now() - started;
      outage.ms = outage.to - outage.from;
      report.outages.push(outage);
      report.longestOutageMs = Math.max(report.longestOutageMs, outage.ms);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      for (const c of clients) c.close();
      report.durationMs = Date.now() - started;
      return report;
    },
  };
}

/** every key under `prefix` on one member (a linearizable read) */
export async function keysUnder(endpoint: string, tls: TlsFiles | undefined, prefix: string): Promise<string[]> {
  const client = memberClient(endpoint, tls);
  try {
    return await client.getAll().prefix(prefix).options({ deadline: Date.now() + 30_000 }).keys();
  } finally {
    client.close();
  }
}
