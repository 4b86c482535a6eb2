// Preload (node --import) that counts the module files a process loads, by package, and prints
// them as one JSON line on stderr at exit: ESM through a loader hook, CommonJS through require.
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const counts = {};
const keyOf = (url) => {
  if (url.startsWith('node:')) return null;
  const i = url.lastIndexOf('/node_modules/');
  if (i < 0) return 'runbook';
  const rest = url.slice(i + 14).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
};
const count = (url) => {
  const k = keyOf(url);
  if (k) counts[k] = (counts[k] ?? 0) + 1;
};

const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => count(url));
port1.unref();
register(
  'data:text/javascript,' +
    encodeURIComponent(`
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) {
  const r = await next(url, context);
  if (r.format !== 'builtin' && r.format !== 'commonjs') port.postMessage(url);
  return r;
}`),
  { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] },
);

const require = createRequire(import.meta.url);
const Module = require('node:module');
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  count(`file://${filename}`);
  return compile.call(this, content, filename);
};
process.on('exit', () => process.stderr.write(`[modules] ${JSON.stringify(counts)}\n`));
