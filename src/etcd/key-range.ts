/**
 * Key ranges as etcd takes them: a prefix is the half-open range [prefix, prefix+1), where +1
 * increments the last byte that is not 0xff. The empty prefix means every key ("\0").
 */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  // all 0xff (or empty): to the end of the keyspace
  return Buffer.from([0]);
}
