import type { RunbookCli } from './runbook.js';

/** What every benchmark gets from bench/run.ts. */
export interface BenchContext {
  /** measured rounds per row (after one warm-up round) */
  runs: number;
  cli: RunbookCli;
  /** scratch space for this bench run (run records, control sockets, big files); removed at exit */
  workDir: string;
  /** the compiled floor script (bench/.out/floor-ssh2.mjs) */
  floorScript: string;
  log(line: string): void;
}
