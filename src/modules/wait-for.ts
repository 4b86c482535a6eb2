import { z } from 'zod';
import { quote, sh } from '../transport/shell-quote.js';
import { execOnHost } from './lib/exec.js';
import { pythonRegex } from './lib/python-regex.js';
import { sleep } from './lib/sleep.js';
import type { Module, ModuleContext, ModuleResult } from './types.js';

const seconds = (description: string) => z.number().nonnegative().describe(description).optional();

const schema = z
  .object({
    host: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9.:_-]+$/, { message: 'must be a host name or an IP address' })
      .optional()
      .describe('address to connect to, as seen from the host the task runs on (default 127.0.0.1)'),
    port: z.number().int().min(1).max(65535).optional().describe('TCP port to wait for'),
    path: z.string().min(1).optional().describe('file on the host to wait for'),
    search_regex: z.string().min(1).optional().describe('with path: wait until the file contains a match of this regexp (Python syntax, multiline)'),
    command: z.string().min(1).optional().describe('a shell command to repeat until it exits 0, e.g. an etcd health check'),
    state: z
      .enum(['started', 'stopped', 'present', 'absent'])
      .optional()
      .describe('port: started (default, accepts connections) or stopped; path: present (default) or absent'),
    timeout: seconds('give up after this many seconds (default 300)'),
    delay: seconds('seconds to wait before the first check (default 0)'),
    sleep: seconds('seconds between checks (default 1)'),
    connect_timeout: seconds('seconds one connection attempt may take (default 5)'),
    msg: z.string().optional().describe('message on timeout instead of the default one'),
  })
  .strict()
  .superRefine((a, ctx) => {
    const targets = [a.port, a.path, a.command].filter((t) => t !== undefined).length;
    if (targets > 1) ctx.addIssue({ code: 'custom', message: 'give only one of port, path or command' });
    if (a.search_regex !== undefined) {
      if (a.path === undefined) ctx.addIssue({ code: 'custom', path: ['search_regex'], message: 'search_regex needs path' });
      try {
        pythonRegex(a.search_regex);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['search_regex'], message: (err as Error).message });
      }
    }
    if (a.state === 'absent' && a.search_regex !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['state'], message: 'search_regex waits for content; use it with state: present' });
    }
  });

export type WaitForArgs = z.infer<typeof schema>;

export interface WaitForData {
  /** seconds spent waiting */
  elapsed: number;
  /** checks made */
  attempts: number;
  [key: string]: unknown;
}

type WaitForResult = ModuleResult & { data: WaitForData };

/** One check, run on the host; `ok` when the awaited condition holds. */
interface Probe {
  what: string;
  check(ctx: ModuleContext): Promise<{ ok: boolean; rc?: number; stdout?: string; stderr?: string }>;
}

/** Wait until a port accepts connections (or stops), a file appears (or goes), or a command succeeds. */
export const waitFor = {
  name: 'wait_for',
  summary: 'wait for a port, a file or a command to succeed, from the host itself',
  schema,
  readOnly: true,
  describe(a) {
    const limit = ` (timeout ${a.timeout ?? 300}s)`;
    if (a.port !== undefined) return `wait for ${a.host ?? '127.0.0.1'}:${a.port} to be ${a.state === 'stopped' ? 'closed' : 'open'}${limit}`;
    if (a.path !== undefined) {
      const gone = a.state === 'absent' || a.state === 'stopped';
      return `wait for ${a.path} to ${gone ? 'be absent' : a.search_regex ? `match /${a.search_regex}/` : 'exist'}${limit}`;
    }
    if (a.command !== undefined) return `wait for \`${a.command}\` to succeed${limit}`;
    return `sleep ${a.timeout ?? 300}s`;
  },
  async run(ctx, a): Promise<WaitForResult> {
    // a dry run after changes it did not make: one look, no waiting (see ModuleContext.probeOnce)
    const timeoutMs = ctx.probeOnce ? 0 : (a.timeout ?? 300) * 1000;
    const started = performance.now();
    const data = (attempts: number): WaitForData => ({ elapsed: Math.round(performance.now() - started) / 1000, attempts });
    if (!ctx.probeOnce) await sleep((a.delay ?? 0) * 1000, ctx.signal);

    const probe = await probeFor(ctx, a);
    if (probe === undefined) {
      // nothing to wait for: like Ansible, just sleep for `timeout`
      await sleep(timeoutMs, ctx.signal);
      return { changed: false, msg: `slept ${a.timeout ?? 300}s`, data: data(0) };
    }
    if (!('check' in probe)) return { ...probe, data: data(0) };

    let attempts = 0;
    for (;;) {
      attempts++;
      const r = await probe.check(ctx);
      if (r.ok) return { changed: false, msg: `${probe.what} after ${data(attempts).elapsed}s`, ...outputOf(r), data: data(attempts) };
      const left = timeoutMs - (performance.now() - started);
      if (left <= 0) {
        return { changed: false, failed: true, msg: a.msg ?? `timeout after ${a.timeout ?? 300}s waiting for ${probe.what}`, ...outputOf(r), data: data(attempts) };
      }
      ctx.log(`waiting for ${probe.what} (${Math.round(left / 1000)}s left)`);
      await sleep(Math.min((a.sleep ?? 1) * 1000, left), ctx.signal);
    }
  },
} satisfies Module<WaitForArgs>;

function outputOf(r: { rc?: number; stdout?: string; stderr?: string }): Partial<ModuleResult> {
  return r.rc === undefined ? {} : { rc: r.rc, stdout: r.stdout, stderr: r.stderr };
}

async function probeFor(ctx: ModuleContext, a: WaitForArgs): Promise<Probe | ModuleResult | undefined> {
  const connectS = a.connect_timeout ?? 5;
  const perCheckMs = { timeoutMs: Math.max(connectS + 5, 10) * 1000 };
  if (a.port !== undefined) {
    const host = a.host ?? '127.0.0.1';
    const tool = await detectTcpTool(ctx);
    if (tool === undefined) return { changed: false, failed: true, msg: 'cannot test ports on this host: it has neither bash (/dev/tcp) nor nc' };
    const line = tcpCheckCommand(tool, host, a.port, connectS);
    const wantOpen = a.state !== 'stopped';
    return {
      what: `${host}:${a.port} ${wantOpen ? 'open' : 'closed'}`,
      async check(c) {
        const r = await execOnHost(c, line, perCheckMs);
        return { ok: (r.exitCode === 0) === wantOpen };
      },
    };
  }
  if (a.path !== undefined) {
    const gone = a.state === 'absent' || a.state === 'stopped';
    if (gone) {
      return {
        what: `${a.path} absent`,
        async check(c) {
          return { ok: (await execOnHost(c, sh`test -e ${a.path}`, perCheckMs)).exitCode !== 0 };
        },
      };
    }
    const re = a.search_regex !== undefined ? pythonRegex(a.search_regex, 'm') : undefined;
    return {
      what: re ? `${a.path} matching /${a.search_regex}/` : `${a.path} present`,
      async check(c) {
        const r = await execOnHost(c, re ? sh`test -e ${a.path} && cat -- ${a.path}` : sh`test -e ${a.path}`, perCheckMs);
        return { ok: r.exitCode === 0 && (re === undefined || re.test(r.stdout)) };
      },
    };
  }
  if (a.command !== undefined) {
    const line = `/bin/sh -c ${quote(a.command)}`;
    return {
      what: `\`${a.command}\` to succeed`,
      async check(c) {
        const r = await execOnHost(c, line);
        return { ok: r.exitCode === 0, rc: r.exitCode, stdout: r.stdout, stderr: r.stderr };
      },
    };
  }
  return undefined;
}

export type TcpTool = 'bash' | 'nc';

/** Which way this host can open a TCP connection from a shell; bash's /dev/tcp needs no package. */
async function detectTcpTool(ctx: ModuleContext): Promise<TcpTool | undefined> {
  const r = await execOnHost(ctx, 'if command -v bash >/dev/null 2>&1; then echo bash; elif command -v nc >/dev/null 2>&1; then echo nc; fi');
  const said = r.stdout.trim();
  return said === 'bash' || said === 'nc' ? said : undefined;
}

/**
 * Exit 0 when host:port accepts a connection. The address reaches bash as positional
 * arguments, never as part of the script text.
 */
export function tcpCheckCommand(tool: TcpTool, host: string, port: number, connectTimeoutS: number): string {
  if (tool === 'nc') return sh`nc -z -w ${connectTimeoutS} ${host} ${port}`;
  const connect = sh`bash -c ${'exec 3<>"/dev/tcp/$0/$1"'} ${host} ${port}`;
  // a filtered port makes bash wait for the kernel's connect timeout (minutes); bound it when we can
  return `if command -v timeout >/dev/null 2>&1; then timeout ${quote(connectTimeoutS)} ${connect}; else ${connect}; fi 2>/dev/null`;
}
