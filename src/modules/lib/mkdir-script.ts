import { posix } from 'node:path';
import { quote } from '../../transport/shell-quote.js';
import { applyAttrsCommand, type FileAttrs } from './file-attrs.js';

/**
 * `mkdir -p` that gives every directory it creates the wanted mode and owner (as Ansible does),
 * and leaves the directories that already exist alone.
 *
 *   mkdirScript('/var/lib/etcd', {mode: '0700'}) ->
 *     test -d /var || { mkdir -- /var && chmod 0700 -- /var; } || exit 1
 *     ...
 */
export function mkdirScript(path: string, attrs: FileAttrs): string {
  const parts = posix.normalize(path).split('/').filter(Boolean);
  return parts
    .map((_, i) => {
      const dir = '/' + parts.slice(0, i + 1).join('/');
      const set = applyAttrsCommand(dir, attrs);
      const create = set === '' ? `mkdir -- ${quote(dir)}` : `{ mkdir -- ${quote(dir)} && ${set}; }`;
      return `test -d ${quote(dir)} || ${create} || exit 1`;
    })
    .join('\n');
}
