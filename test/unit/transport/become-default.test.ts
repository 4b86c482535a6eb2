import test from 'ava';
import { mergeBecome } from '../../../src/transport/become-default.js';

test("a command's own become wins; false means none", (t) => {
  t.is(mergeBecome(false, { user: 'root' }, 'pw'), false);
  t.deepEqual(mergeBecome({ user: 'etcd' }, { user: 'root' }, undefined), { user: 'etcd' });
  t.deepEqual(mergeBecome(undefined, { user: 'root' }, undefined), { user: 'root' });
  t.is(mergeBecome(undefined, undefined, 'pw'), undefined);
});

test("the host's sudo password fills in, an explicit one stays", (t) => {
  t.deepEqual(mergeBecome({ user: 'etcd' }, undefined, 'pw'), { user: 'etcd', password: 'pw' });
  t.deepEqual(mergeBecome(undefined, { user: 'root' }, 'pw'), { user: 'root', password: 'pw' });
  t.deepEqual(mergeBecome({ password: 'own' }, undefined, 'pw'), { password: 'own' });
});
