import test from 'ava';
import { ConfigError } from '../../../src/errors.js';
import { parseProxyJump } from '../../../src/transport/proxy-jump.js';

test('hops with user, port, IPv6 and ssh:// forms, in travel order', (t) => {
  t.deepEqual(parseProxyJump('bastion'), [{ user: undefined, host: 'bastion', port: undefined }]);
  t.deepEqual(parseProxyJump('ops@bastion:2222, 10.0.0.1'), [
    { user: 'ops', host: 'bastion', port: 2222 },
    { user: undefined, host: '10.0.0.1', port: undefined },
  ]);
  t.deepEqual(parseProxyJump('root@[fd00::1]:22'), [{ user: 'root', host: 'fd00::1', port: 22 }]);
  t.deepEqual(parseProxyJump('ssh://me@jump:2200'), [{ user: 'me', host: 'jump', port: 2200 }]);
});

test('bad hops are configuration errors', (t) => {
  t.throws(() => parseProxyJump('host:99999'), { instanceOf: ConfigError });
  t.throws(() => parseProxyJump('@host'), { instanceOf: ConfigError });
  t.throws(() => parseProxyJump('host:abc'), { instanceOf: ConfigError });
});
