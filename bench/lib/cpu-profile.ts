import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (node --cpu-prof) this reads. */
interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** category -> ms of samples */
  categories: Array<[string, number]>;
  /** module loading split by what was being loaded */
  loading: Array<[string, number]>;
  /** runbook's own functions by self time */
  ownFunctions: Array<[string, number]>;
}

function pkgOf(url: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return m?.[1];
}

function ownFile(url: string, repo: string): string | undefined {
  if (!url.startsWith(`file://${repo}`) || url.includes('/node_modules/')) return undefined;
  return url.slice(`file://${repo}`.length);
}

const isLoader = (url: string, fn: string): boolean =>
  url.startsWith('node:internal/modules/') || fn === 'compileFunction' || fn === 'ModuleWrap' || url === 'node:internal/vm';

/**
 * Where the CPU of one process went. Every sample is put in one category:
 * - "module loading": anything with a module loader frame below it (resolving, reading, compiling
 *   and running modules' top-level code), split further by the package or file being loaded;
 * - otherwise by its leaf frame: a package under node_modules, runbook's own code (dist/ or src/),
 *   Node internals, native code called from them, the garbage collector, idle.
 */
export function summarizeProfile(file: string, repo: string): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));

  const cat = new Map<string, number>();
  const loading = new Map<string, number>();
  const own = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);

  for (const [id, us] of self) {
    if (us === 0) continue;
    const leaf = byId.get(id)!;
    const lf = leaf.callFrame;
    // walk to the root: is a module loader on the stack, and what is the nearest loaded file?
    let underLoader = false;
    let loaded: string | undefined;
    for (let j: number | undefined = id; j !== undefined; j = parent.get(j)) {
      const cf = byId.get(j)!.callFrame;
      if (isLoader(cf.url, cf.functionName)) {
        underLoader = true;
        break;
      }
      loaded ??= pkgOf(cf.url) ?? (ownFile(cf.url, repo) !== undefined ? 'runbook (own modules)' : undefined);
    }
    if (underLoader) {
      add(cat, 'module loading (resolve, read, compile, top-level code)', us);
      add(loading, loaded ?? 'loader itself (resolve, read, compile)', us);
      continue;
    }
    if (lf.functionName === '(idle)') add(cat, 'idle (waiting for the network)', us);
    else if (lf.functionName === '(garbage collector)') add(cat, 'garbage collector', us);
    else if (lf.functionName === '(program)') add(cat, 'V8/native (program)', us);
    else if (pkgOf(lf.url)) add(cat, `package ${pkgOf(lf.url)}`, us);
    else if (ownFile(lf.url, repo) !== undefined) {
      add(cat, 'runbook own code', us);
      add(own, `${lf.functionName || '(anonymous)'} ${ownFile(lf.url, repo)}:${lf.lineNumber + 1}`, us);
    } else if (lf.url.startsWith('node:')) add(cat, `node ${lf.url.replace(/^node:(internal\/)?/, '').split('/')[0]}`, us);
    else {
      // a native function: charge it to the nearest JavaScript caller's owner
      let owner = 'native (other)';
      for (let j = parent.get(id); j !== undefined; j = parent.get(j)) {
        const cf = byId.get(j)!.callFrame;
        const pk = pkgOf(cf.url);
        if (pk) {
          owner = `package ${pk}`;
          break;
        }
        if (ownFile(cf.url, repo) !== undefined) {
          owner = 'runbook own code';
          break;
        }
        if (cf.url.startsWith('node:')) {
          owner = `node ${cf.url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
          break;
        }
      }
      add(cat, `${owner} (native: ${lf.functionName || '?'})`, us);
    }
  }
  const ms = (m: Map<string, number>): Array<[string, number]> =>
    [...m].map(([k, v]): [string, number] => [k, v / 1000]).sort((a, b) => b[1] - a[1]);
  return { totalMs: (p.endTime - p.startTime) / 1000, categories: ms(cat), loading: ms(loading), ownFunctions: ms(own) };
}
