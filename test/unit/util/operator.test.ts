import test from 'ava';
import { operatorName } from '../../../src/util/operator.js';

test('the operator is the person behind sudo, else the login name, else the account, never "unknown"', (t) => {
  t.is(operatorName({ SUDO_USER: 'alice', USER: 'root', LOGNAME: 'root' }, () => 'root'), 'alice');
  t.is(operatorName({ LOGNAME: 'bob', USER: 'bob' }, () => 'bob'), 'bob');
  // cron and systemd set no USER: the account the process runs as
  t.is(operatorName({}, () => 'root'), 'root');
  t.regex(operatorName({}, () => { throw new Error('no passwd entry'); }), /^uid \d+$/);
});
