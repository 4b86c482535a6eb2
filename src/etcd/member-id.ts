/**
 * Member ids are uint64. The gRPC client gives them as decimal strings; etcdctl, logs and
 * operators use 16 hex digits. Everything runbook shows or accepts is hex.
 *
 *   memberIdToHex('8211f1d0f64f3269')   -> '8211f1d0f64f3269'
 *   memberIdFromDecimal('9372538179322589801') -> '8211f1d0f64f3269'
 */
export function memberIdFromDecimal(decimal: string | number): string {
  return BigInt(decimal).toString(16).padStart(16, '0');
}

/** hex as operators write it (with or without 0x, any case) -> the decimal string the API wants */
export function memberIdToDecimal(hex: string): string {
  return BigInt(`0x${normalizeHexId(hex)}`).toString(10);
}

export function normalizeHexId(id: string): string {
  const s = id.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{1,16}$/.test(s)) throw new Error(`member id ${JSON.stringify(id)} is not hex (etcdctl prints ids like 8211f1d0f64f3269)`);
  return s.padStart(16, '0');
}

export function looksLikeHexId(s: string): boolean {
  return /^(0x)?[0-9a-fA-F]{16}$/.test(s.trim());
}
