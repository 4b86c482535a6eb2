/**
 * `[ssh_connection] ssh_args` is a command line for OpenSSH's `ssh`. runbook speaks SSH itself,
 * so it takes from it what has a meaning here and says what it leaves:
 *
 *   -F FILE                          the ssh config to read (--ssh-config)
 *   -o UserKnownHostsFile=FILE       --known-hosts
 *   -o StrictHostKeyChecking=accept-new|no|off   trust and record new host keys (a changed key is still refused)
 *   -o ConnectTimeout=N              --connect-timeout
 *   -o User=NAME, -l NAME            -u
 *   -o IdentityFile=FILE, -i FILE    --private-key
 *
 * Ansible's own defaults (-C, ControlMaster, ControlPersist, ControlPath) are about reusing ssh
 * processes; runbook keeps one connection per host anyway, so they are dropped silently.
 */
import { shlexSplit } from '../inventory/shlex.js';

export interface SshArgsMapping {
  sshConfig?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  connectTimeout?: number;
  user?: string;
  privateKey?: string;
  /** what runbook does not use, for a warning */
  unused: string[];
}

const SILENT = new Set(['controlmaster', 'controlpersist', 'controlpath']);

export function mapSshArgs(text: string): SshArgsMapping {
  const out: SshArgsMapping = { unused: [] };
  const words = shlexSplit(text).map((w) => w.text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = () => words[++i] ?? '';
    if (w === '-F') out.sshConfig = next();
    else if (w === '-l') out.user = next();
    else if (w === '-i') out.privateKey = next();
    else if (w === '-C') continue;
    else if (w === '-o' || w.startsWith('-o')) {
      const opt = w === '-o' ? next() : w.slice(2);
      const m = /^([A-Za-z]+)(?:\s*=\s*|\s+)(.*)$/.exec(opt);
      if (!m) {
        out.unused.push(`-o ${opt}`);
        continue;
      }
      const key = m[1]!.toLowerCase();
      const value = m[2]!.trim();
      if (key === 'userknownhostsfile') out.knownHosts = value.split(/\s+/)[0];
      else if (key === 'stricthostkeychecking') out.acceptNewHostKeys = ['accept-new', 'no', 'off'].includes(value.toLowerCase());
      else if (key === 'connecttimeout' && /^\d+$/.test(value) && Number(value) > 0) out.connectTimeout = Number(value);
      else if (key === 'user') out.user = value;
      else if (key === 'identityfile') out.privateKey = value;
      else if (!SILENT.has(key)) out.unused.push(`-o ${opt}`);
    } else out.unused.push(w);
  }
  return out;
}
