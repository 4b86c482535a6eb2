/**
 * Is a member's etcd gone for good, so that waiting for it is pointless? Gone means no process
 * has its data dir open (read from /proc, or, without root, no process named etcd) and nothing
 * will start one again: its systemd unit is not active or activating (a unit between restarts
 * is `activating`), and no static pod manifest is in the manifests dir (the kubelet would start
 * it again). Read over the member's own SSH connection; anything unclear counts as not gone.
 */
import { logTailCommand } from '../modules/lib/log-tail.js';
import { PROC_UNREADABLE, pathUsersCommand } from '../modules/lib/proc-scan.js';
import type { ModuleContext } from '../modules/types.js';
import { quote } from '../transport/shell-quote.js';
import { hostConfig, transportOf } from './context.js';
import type { EtcdHostConfig } from './host-config.js';

export interface MemberProcessProbe {
  /** `systemctl is-active` of etcd_service, or '' without systemctl */
  unit: string;
  manifest: boolean;
  /** processes with the data dir open; undefined when /proc could not be read */
  users?: number;
  /** processes named etcd, the fallback without root */
  named: number;
}

const RESTARTING = new Set(['active', 'activating', 'reloading', 'deactivating']);

function unitName(c: EtcdHostConfig): string {
  return c.service.includes('.') ? c.service : `${c.service}.service`;
}

export function memberProcessCommand(c: EtcdHostConfig): string {
  return [
    `echo "unit=$(systemctl is-active ${quote(unitName(c))} 2>/dev/null | head -n 1)"`,
    `if [ -e ${quote(c.manifest)} ]; then echo manifest=yes; else echo manifest=no; fi`,
    `u=$( ( ${pathUsersCommand(c.dataDir)}\n) 2>/dev/null ); rc=$?`,
    `if [ $rc = 0 ]; then echo "users=$(printf '%s\\n' "$u" | grep -c .)"; elif [ $rc = ${PROC_UNREADABLE} ]; then echo users=unknown; else echo users=unknown; fi`,
    'echo "named=$(pgrep -x etcd 2>/dev/null | grep -c .)"',
  ].join('\n');
}

export function parseMemberProcess(stdout: string): MemberProcessProbe {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const users = kv.get('users');
  return {
    unit: kv.get('unit') ?? '',
    manifest: kv.get('manifest') === 'yes',
    users: users === undefined || users === 'unknown' || users === '' ? undefined : Number(users),
    named: Number(kv.get('named') ?? '1') || 0,
  };
}

/** why the member is gone for good, or undefined while it runs or may run again */
export function goneReason(p: MemberProcessProbe, c: Pick<EtcdHostConfig, 'dataDir' | 'manifest' | 'service'>): string | undefined {
  const running = p.users !== undefined ? p.users > 0 : p.named > 0;
  if (running) return undefined;
  if (p.manifest) return undefined;
  if (RESTARTING.has(p.unit)) return undefined;
  const unit = p.unit === '' ? 'no systemd unit' : `${c.service} is ${p.unit}`;
  return `no etcd process has ${c.dataDir} open, ${unit}, and no static pod manifest ${c.manifest}: nothing will start it again`;
}

/** goneReason read on `host`, with the last lines of its log; undefined when it is not gone or cannot be told */
export async function memberGone(ctx: ModuleContext, host: string): Promise<string | undefined> {
  try {
    const c = hostConfig(ctx, host);
    const t = await transportOf(ctx, host);
    const r = await t.exec(memberProcessCommand(c), { become: ctx.become, timeoutMs: 15_000, signal: ctx.signal });
    if (r.exitCode !== 0) return undefined;
    const why = goneReason(parseMemberProcess(r.stdout), c);
    if (why === undefined) return undefined;
    const log = await t.exec(logTailCommand({ unit: c.service }, 5), { become: ctx.become, timeoutMs: 10_000, signal: ctx.signal }).catch(() => undefined);
    const lines = (log?.stdout ?? '').split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-5).map((l) => (l.length > 300 ? `${l.slice(0, 300)}...` : l));
    return lines.length ? `${why}; last lines of its log:\n${lines.map((l) => `  ${l}`).join('\n')}` : why;
  } catch {
    return undefined;
  }
}
