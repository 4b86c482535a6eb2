/**
 * Who is running runbook, for history's BY column and lock holders: the person behind sudo
 * ($SUDO_USER), else the login name ($LOGNAME, $USER), else the account the process runs as
 * (cron and systemd services set none of these variables), else the uid.
 */
import { userInfo } from 'node:os';

export function operatorName(env: NodeJS.ProcessEnv = process.env, account: () => string = () => userInfo().username): string {
  for (const v of [env.SUDO_USER, env.LOGNAME, env.USER]) if (v && v.trim()) return v.trim();
  try {
    const name = account();
    if (name) return name;
  } catch {
    // no passwd entry for this uid (containers)
  }
  return `uid ${process.getuid?.() ?? '?'}`;
}
