/** What module unit tests share: a ModuleContext around any transport, a local host, temp dirs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { ModuleContext } from '../../../../src/modules/types.js';
import { connectLocal } from '../../../../src/transport/local.js';
import type { Transport } from '../../../../src/transport/types.js';
import { testSpec } from '../../../helpers/connection-spec.js';

export type TestContext = ModuleContext & { logs: string[] };

export function moduleContext(transport: Transport, over: Partial<ModuleContext> = {}): TestContext {
  const logs: string[] = [];
  return {
    host: transport.host,
    vars: {},
    transport,
    become: false,
    check: false,
    diff: false,
    runId: `test-${Math.random().toString(36).slice(2)}`,
    signal: new AbortController().signal,
    log: (line) => logs.push(line),
    transportFor: async (h) => {
      throw new Error(`no transport for ${h} in this test`);
    },
    hostVarsOf: () => ({}),
    prompt: async () => {
      throw new Error('no TTY in tests');
    },
    runDir: tmpdir(),
    ...over,
    logs,
  };
}

/** This machine as a host: the real /bin/sh, coreutils and file system. */
export function localTransport(name = 'localhost'): Transport {
  return connectLocal(testSpec({ name, connection: 'local', address: 'localhost', connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 }));
}

/** A fresh directory removed after the test. */
export async function tempDir(t: ExecutionContext, prefix = 'runbook-modules-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The args a module's schema accepts, or the test fails with the schema's message. */
export function parseArgs<A>(schema: { safeParse(v: unknown): { success: true; data: A } | { success: false; error: { message: string } } }, args: unknown): A {
  const r = schema.safeParse(args);
  if (!r.success) throw new Error(`invalid args ${JSON.stringify(args)}: ${r.error.message}`);
  return r.data;
}
