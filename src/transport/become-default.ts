import type { Become } from './types.js';

/**
 * The become a command runs with: its own when it names one (false: none), else the host's
 * default. The host's sudo password (ansible_become_password) fills in when the chosen become
 * has none, since it belongs to the login user whatever the target user is.
 *
 *   mergeBecome({ user: 'etcd' }, undefined, 'pw') -> { user: 'etcd', password: 'pw' }
 *   mergeBecome(undefined, undefined, 'pw')       -> undefined
 */
export function mergeBecome(
  own: Become | false | undefined,
  hostDefault: Become | undefined,
  hostPassword: string | undefined,
): Become | false | undefined {
  if (own === false) return false;
  const chosen = own ?? hostDefault;
  if (!chosen) return chosen;
  if (chosen.password === undefined && hostPassword !== undefined) return { ...chosen, password: hostPassword };
  return chosen;
}
