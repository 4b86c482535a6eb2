/** Ansible's truthiness for conditionals: "no", "false", "off", "0", "" and empty collections are false. */
export function truthy(v: unknown): boolean {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    return !(s === '' || s === 'false' || s === 'no' || s === 'off' || s === '0' || s === 'none' || s === 'null');
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}
