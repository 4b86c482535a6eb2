import test from 'ava';
import { renderValue } from '../../../src/template/index.js';

const v = (expr: string, vars: Record<string, unknown> = {}) => renderValue(`{{ ${expr} }}`, vars);

test('duration_seconds: Go durations as Kubernetes writes them, in seconds', (t) => {
  t.is(v('"40s" | duration_seconds'), 40);
  t.is(v('"5m0s" | duration_seconds'), 300);
  t.is(v('"1m30s" | duration_seconds'), 90);
  t.is(v('"1h" | duration_seconds'), 3600);
  t.is(v('"500ms" | duration_seconds'), 0.5);
  t.is(v('"0" | duration_seconds'), 0);
  t.is(v('"0s" | duration_seconds'), 0);
  t.is(v('x | duration_seconds', { x: 12 }), 12);
  t.is(v('"-2s" | duration_seconds'), -2);
});

test('duration_seconds: what is not a Go duration is an error, or the default when one is given', (t) => {
  for (const bad of ['40', '4 0s', 's', '', '1d', '40s ago']) {
    t.throws(() => v('x | duration_seconds', { x: bad }), { message: /expected a Go duration/ }, bad);
    t.is(v('x | duration_seconds(-1)', { x: bad }), -1, bad);
  }
});
