// Preload (node --require) that makes ssh2 run as if npm had skipped its install scripts:
// the optional native crypto binding (sshcrypto.node) and cpu-features fail to load, so ssh2
// falls back to its pure-JavaScript/Node-crypto code paths. Used to measure what the addon buys.
'use strict';
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (/sshcrypto\.node$/.test(request) || request === 'cpu-features') {
    const err = new Error(`bench: ${request} disabled`);
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  }
  return load.call(this, request, parent, isMain);
};
