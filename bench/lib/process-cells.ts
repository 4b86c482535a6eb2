import type { Row } from './report.js';
import { sum, type Series } from './rounds.js';
import { fmtNumber, fmtSeconds } from './stats.js';

/** the whole-process columns of a row: controller CPU, host CPU, the controller's peak RSS */
export function processCells(s: Series | undefined): Row['cells'] {
  return {
    'controller CPU': fmtSeconds(sum(s, (x) => x.cpuMs)),
    'host CPU': fmtSeconds(sum(s, (x) => x.hostCpuMs)),
    'peak RSS': fmtNumber(sum(s, (x) => (x.maxRssKb ?? Number.NaN) / 1024), 'MB'),
  };
}

/** a row whose series had failed runs says so (FAIL, with the first error's first line) */
export function markFailedRuns(row: Row, s: Series | undefined): Row {
  if (s?.errors.length) {
    row.status = 'FAIL';
    row.note = `${s.errors.length} run(s) failed: ${s.errors[0]!.split('\n')[0]}`;
  }
  return row;
}
