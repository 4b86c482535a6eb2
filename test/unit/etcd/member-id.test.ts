import test from 'ava';
import { looksLikeHexId, memberIdFromDecimal, memberIdToDecimal, normalizeHexId } from '../../../src/etcd/member-id.js';

test('decimal ids from the API become 16 hex digits', (t) => {
  t.is(memberIdFromDecimal('9372538179322589801'), '8211f1d0f64f3269');
  t.is(memberIdFromDecimal('1'), '0000000000000001');
  // above 2^53: must not lose precision
  t.is(memberIdFromDecimal('18446744073709551615'), 'ffffffffffffffff');
});

test('hex ids round-trip', (t) => {
  for (const id of ['8211f1d0f64f3269', '51bca066d01d6698', 'c863b58837d07726']) {
    t.is(memberIdFromDecimal(memberIdToDecimal(id)), id);
  }
  t.is(memberIdToDecimal('0x10'), '16');
});

test('normalizes case and 0x, refuses non-hex', (t) => {
  t.is(normalizeHexId('0X8211F1D0F64F3269'), '8211f1d0f64f3269');
  t.is(normalizeHexId('abc'), '0000000000000abc');
  t.throws(() => normalizeHexId('etcd1'), { message: /not hex/ });
  t.throws(() => normalizeHexId('1'.repeat(17)), { message: /not hex/ });
});

test('looksLikeHexId wants the full 16 digits', (t) => {
  t.true(looksLikeHexId('8211f1d0f64f3269'));
  t.false(looksLikeHexId('etcd1'));
  t.false(looksLikeHexId('abc'));
});
