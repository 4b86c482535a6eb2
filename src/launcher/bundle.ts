/**
 * Build step: bundle the compiled CLI (dist/cli.js, tsc's output) and its pure-JavaScript
 * dependencies into one CommonJS file, dist/runbook.cjs, then replace dist/cli.js with the
 * launcher that runs that file with a V8 code cache (main.ts).
 *
 *   node dist/launcher/bundle.js
 *
 * What stays in node_modules, loaded at run time:
 * - native addons: ssh2's crypto binding and cpu-features. ssh2's own JavaScript is bundled
 *   (20 files that Node compiled from source at every start), so its `require()` of the binding,
 *   relative to its own folder, is rewritten to the package path: the same file, found from
 *   dist/ through node_modules. Its JavaScript and its binding must come from one ssh2
 *   version, so package.json pins ssh2 exactly.
 * - etcd3: @grpc/proto-loader reads .proto files next to its sources at run time.
 */
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../', import.meta.url));

/** ssh2's `require('./crypto/build/Release/sshcrypto.node')`, as seen from outside the package */
const SSH2_BINDING = 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node';

const nativeAddons: Plugin = {
  name: 'native-addons',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      if (args.path.endsWith('/sshcrypto.node') && /[\\/]node_modules[\\/]ssh2[\\/]/.test(args.importer)) {
        return { path: SSH2_BINDING, external: true };
      }
      return { errors: [{ text: `native addon ${args.path} (from ${args.importer}) has no run-time path: add it to ${fileURLToPath(import.meta.url)}` }] };
    });
  },
};

await build({
  entryPoints: [`${dist}cli.js`],
  outfile: `${dist}runbook.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  external: ['etcd3', 'cpu-features'],
  plugins: [nativeAddons],
  // the build is CommonJS: import.meta.url becomes the file's own URL
  define: { 'import.meta.url': '__runbook_build_url' },
  banner: { js: "var __runbook_build_url = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: true,
  logLevel: 'warning',
});

await build({
  entryPoints: [`${dist}launcher/main.js`],
  outfile: `${dist}cli.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  allowOverwrite: true,
  logLevel: 'warning',
});
