import { quote } from '../transport/shell-quote.js';
import type { HostConnections } from './context.js';

export type FileVerdict = 'same as its backup' | 'differs from its backup' | 'unknown';

/**
 * At the end of a run that did not succeed: is each file the run changed back to its backup?
 * Asked of the host itself (`cmp`), because only the host knows: an undo step that was skipped
 * or cut off, or one that ran before the stop, all look alike in the event stream.
 */
export async function probeFiles(connections: HostConnections, files: { host: string; file: string; backup: string }[], timeoutMs = 10_000): Promise<Map<string, FileVerdict>> {
  const out = new Map<string, FileVerdict>();
  await Promise.all(
    files.map(async ({ host, file, backup }) => {
      let verdict: FileVerdict = 'unknown';
      try {
        const t = await connections.get(host);
        const conn = connections.becomeFor(host);
        const become = conn.loginUser === 'root' ? false : { user: 'root', password: conn.password };
        const r = await t.exec(`cmp -s -- ${quote(file)} ${quote(backup)}`, { become, timeoutMs });
        verdict = r.exitCode === 0 ? 'same as its backup' : r.exitCode === 1 ? 'differs from its backup' : 'unknown';
      } catch {
        verdict = 'unknown';
      }
      out.set(`${host}\0${file}`, verdict);
    }),
  );
  return out;
}
