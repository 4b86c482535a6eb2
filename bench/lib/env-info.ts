import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { repoDir } from './compile.js';
import { run } from './proc.js';

const require = createRequire(`${repoDir}package.json`);

export function machineInfo(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'} × ${c.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux`;
}

export function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
}

/** ssh2's version and whether its optional native parts were built (npm may skip install scripts). */
export function ssh2Info(): { text: string; nativeCrypto: boolean; cpuFeatures: boolean } {
  const pkg = JSON.parse(readFileSync(`${repoDir}node_modules/ssh2/package.json`, 'utf8')) as { version: string };
  let nativeCrypto = false;
  let cpuFeatures = false;
  try {
    nativeCrypto = Boolean((require('ssh2/lib/protocol/crypto.js') as { bindingAvailable?: boolean }).bindingAvailable);
  } catch {
    // not loadable: treated as absent
  }
  try {
    cpuFeatures = typeof require('cpu-features') === 'function';
  } catch {
    // optional dependency missing or not built
  }
  const text = `ssh2 ${pkg.version} (native crypto binding ${nativeCrypto ? 'built' : 'NOT built'}, cpu-features ${cpuFeatures ? 'built' : 'NOT built'})`;
  return { text, nativeCrypto, cpuFeatures };
}

export async function opensshVersion(): Promise<string> {
  const r = await run('ssh', ['-V']);
  return (r.stderr || r.stdout).trim().split(',')[0] ?? 'unknown OpenSSH';
}
