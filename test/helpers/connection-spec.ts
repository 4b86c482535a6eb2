import type { ConnectionSpec } from '../../src/transport/types.js';

/**
 * A complete ConnectionSpec for tests that build one by hand: root over ssh on port 22, no keys,
 * no known_hosts, short timeouts. Each test overrides what it is about.
 */
export function testSpec(over: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return {
    name: 'node1',
    connection: 'ssh',
    address: '10.250.1.11',
    port: 22,
    user: 'root',
    privateKeyFiles: [],
    knownHostsFiles: [],
    acceptNewHostKeys: false,
    connectTimeoutMs: 1000,
    keepaliveIntervalMs: 1000,
    ...over,
  };
}
