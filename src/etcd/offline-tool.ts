/**
 * The tool for offline work on a host (snapshot status, snapshot restore):
 * etcdutl on 3.5+, `ETCDCTL_API=3 etcdctl` on 3.4. etcdctl 3.5 still works but warns the
 * form is deprecated, and 3.6 removed it, so etcdutl wins whenever it is there.
 *
 *   offlineCommand(chooseOfflineTool(v), ['snapshot', 'status', '/tmp/s.db'])
 *     -> "ETCDCTL_API=3 /usr/bin/etcdctl snapshot status /tmp/s.db"
 */
import { quote, quoteArgv } from '../transport/shell-quote.js';
import { atLeast, type EtcdVersions } from './versions.js';

export interface OfflineTool {
  kind: 'etcdctl' | 'etcdutl';
  path: string;
  version: string;
}

export class NoOfflineToolError extends Error {}

export function chooseOfflineTool(v: EtcdVersions, host = 'the host'): OfflineTool {
  if (v.etcdutl && atLeast(v.etcdutl.version, '3.5.0')) return { kind: 'etcdutl', ...v.etcdutl };
  if (v.etcdctl) {
    if (atLeast(v.etcdctl.version, '3.6.0')) {
      throw new NoOfflineToolError(
        `${host} has etcdctl ${v.etcdctl.version}, which no longer does snapshot status/restore, and no etcdutl: install etcdutl (or set the etcdutl variable to its path)`,
      );
    }
    return { kind: 'etcdctl', ...v.etcdctl };
  }
  throw new NoOfflineToolError(
    `${host} has neither etcdutl nor etcdctl on PATH: install them (etcd-client package) or set the etcdctl / etcdutl variables to their paths`,
  );
}

/** a complete command line for /bin/sh */
export function offlineCommand(tool: OfflineTool, args: readonly string[]): string {
  const prefix = tool.kind === 'etcdctl' ? 'ETCDCTL_API=3 ' : '';
  return `${prefix}${quote(tool.path)} ${quoteArgv(args)}`;
}
