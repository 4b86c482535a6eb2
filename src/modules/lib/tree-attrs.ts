import { sh } from '../../transport/shell-quote.js';
import { attrChanges, type FileAttrs } from './file-attrs.js';
import { parseStatLine, STAT_FORMAT } from './remote-file.js';

/**
 * For `recurse`: the attributes of everything under a directory, one stat line per entry and no
 * file names in the output (so a name with a newline in it cannot be misread). Symlinks are
 * skipped because chmod -R skips them too.
 */
export function treeStatCommand(path: string): string {
  return sh`find ${path} ! -type l -exec stat -c ${STAT_FORMAT} {} +`;
}

/** How many entries of the tree `chmod -R`/`chown -R` would change. */
export function countTreeChanges(stdout: string, want: FileAttrs): number {
  let n = 0;
  for (const line of stdout.split('\n')) {
    const st = parseStatLine('', line);
    if (st !== undefined && attrChanges(st, want).length > 0) n++;
  }
  return n;
}
