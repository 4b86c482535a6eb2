/**
 * OpenSSH host certificates (`*-cert-v01@openssh.com`, PROTOCOL.certkeys in OpenSSH's sources):
 * parsing and the checks `ssh` makes before it trusts one through a `@cert-authority` line:
 * a host certificate (type 2), signed by that CA with a signature that verifies, valid now,
 * naming the host among its principals, and without critical options (none is defined for
 * hosts; an unknown one must not be ignored). Verification uses node's crypto only.
 *
 *   const cert = parseCertificate(blob);          // throws CertificateError on a malformed blob
 *   certificateProblem(cert, 'node1.example', new Date())  // undefined: acceptable
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export class CertificateError extends Error {}

export const CERT_SUFFIX = '-cert-v01@openssh.com';
const HOST_CERT = 2;

export interface HostCertificate {
  /** the whole blob, as the server sent it */
  blob: Buffer;
  type: string;
  /** the certified key as a plain wire-format public key (`ssh-ed25519 ...`) */
  key: Buffer;
  serial: bigint;
  certType: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: string[];
  /** the CA's wire-format public key */
  signatureKey: Buffer;
  /** the bytes the CA signed: everything up to and including the signature key */
  signed: Buffer;
  signature: Buffer;
}

export function isCertificateType(type: string | undefined): boolean {
  return type !== undefined && type.endsWith(CERT_SUFFIX);
}

/** the key fields after the nonce, per base key type: how many length-prefixed fields */
const KEY_FIELDS: Record<string, number> = {
  'ssh-ed25519': 1,
  'ssh-rsa': 2, // e, n
  'ecdsa-sha2-nistp256': 2, // curve, Q
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
};

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  string(): Buffer {
    if (this.pos + 4 > this.buf.length) throw new CertificateError('truncated certificate');
    const len = this.buf.readUInt32BE(this.pos);
    if (this.pos + 4 + len > this.buf.length) throw new CertificateError('truncated certificate');
    const s = this.buf.subarray(this.pos + 4, this.pos + 4 + len);
    this.pos += 4 + len;
    return s;
  }
  uint32(): number {
    if (this.pos + 4 > this.buf.length) throw new CertificateError('truncated certificate');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint64(): bigint {
    if (this.pos + 8 > this.buf.length) throw new CertificateError('truncated certificate');
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
}

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** the packed list of strings in `valid principals` and the names in the options fields */
function stringList(buf: Buffer, pairs: boolean): string[] {
  const r = new Reader(buf);
  const out: string[] = [];
  while (!r.done()) {
    out.push(r.string().toString('utf8'));
    if (pairs) r.string();
  }
  return out;
}

export function parseCertificate(blob: Buffer): HostCertificate {
  const r = new Reader(blob);
  const type = r.string().toString('latin1');
  if (!isCertificateType(type)) throw new CertificateError(`${type} is not a certificate type`);
  const base = type.slice(0, -CERT_SUFFIX.length);
  const fields = KEY_FIELDS[base];
  if (fields === undefined) throw new CertificateError(`unsupported certificate type ${type}`);
  r.string(); // nonce
  const keyStart = r.pos;
  for (let i = 0; i < fields; i++) r.string();
  const key = Buffer.concat([sshString(base), blob.subarray(keyStart, r.pos)]);
  const serial = r.uint64();
  const certType = r.uint32();
  const keyId = r.string().toString('utf8');
  const principals = stringList(r.string(), false);
  const validAfter = r.uint64();
  const validBefore = r.uint64();
  const criticalOptions = stringList(r.string(), true);
  r.string(); // extensions
  r.string(); // reserved
  const signatureKey = r.string();
  const signed = blob.subarray(0, r.pos);
  const signature = r.string();
  if (!r.done()) throw new CertificateError('trailing bytes after the certificate signature');
  return { blob, type, key, serial, certType, keyId, principals, validAfter, validBefore, criticalOptions, signatureKey, signed, signature };
}

const b64url = (b: Buffer) => b.toString('base64url');
/** an mpint's magnitude: without the sign byte */
const unsigned = (b: Buffer) => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

const CURVES: Record<string, { crv: string; hash: string; size: number }> = {
  nistp256: { crv: 'P-256', hash: 'sha256', size: 32 },
  nistp384: { crv: 'P-384', hash: 'sha384', size: 48 },
  nistp521: { crv: 'P-521', hash: 'sha512', size: 66 },
};

/** a plain wire-format public key as a KeyObject */
function publicKeyOf(wire: Buffer): { type: string; key: KeyObject; curve?: (typeof CURVES)[string] } {
  const r = new Reader(wire);
  const type = r.string().toString('latin1');
  if (type === 'ssh-ed25519') {
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(r.string()) }, format: 'jwk' }) };
  }
  if (type === 'ssh-rsa') {
    const e = unsigned(r.string());
    const n = unsigned(r.string());
    return { type, key: createPublicKey({ key: { kty: 'RSA', e: b64url(e), n: b64url(n) }, format: 'jwk' }) };
  }
  if (type.startsWith('ecdsa-sha2-')) {
    const curve = CURVES[r.string().toString('latin1')];
    const q = r.string();
    if (!curve || q[0] !== 4 || q.length !== 1 + 2 * curve.size) throw new CertificateError(`malformed ${type} key`);
    const x = q.subarray(1, 1 + curve.size);
    const y = q.subarray(1 + curve.size);
    return { type, curve, key: createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(x), y: b64url(y) }, format: 'jwk' }) };
  }
  throw new CertificateError(`unsupported CA key type ${type}`);
}

/** the CA's signature over `signed`; ssh-rsa (SHA-1) signatures are refused, as OpenSSH does by default */
export function signatureVerifies(caKey: Buffer, signed: Buffer, signature: Buffer): boolean {
  const ca = publicKeyOf(caKey);
  const r = new Reader(signature);
  const alg = r.string().toString('latin1');
  const sig = r.string();
  if (ca.type === 'ssh-ed25519') return alg === 'ssh-ed25519' && verify(null, signed, ca.key, sig);
  if (ca.type === 'ssh-rsa') {
    const hash = alg === 'rsa-sha2-512' ? 'sha512' : alg === 'rsa-sha2-256' ? 'sha256' : undefined;
    return hash !== undefined && verify(hash, signed, ca.key, sig);
  }
  if (alg !== ca.type || !ca.curve) return false;
  const rs = new Reader(sig);
  const pad = (n: Buffer) => {
    const u = unsigned(n);
    if (u.length > ca.curve!.size) throw new CertificateError('malformed ECDSA signature');
    return Buffer.concat([Buffer.alloc(ca.curve!.size - u.length), u]);
  };
  const p1363 = Buffer.concat([pad(rs.string()), pad(rs.string())]);
  return verify(ca.curve.hash, signed, { key: ca.key, dsaEncoding: 'ieee-p1363' }, p1363);
}

/**
 * Why `cert` may not stand for host `name` now (undefined: it may). The CA is not judged here:
 * the caller has matched `cert.signatureKey` to a @cert-authority line first.
 */
export function certificateProblem(cert: HostCertificate, name: string, now: Date): string | undefined {
  if (cert.certType !== HOST_CERT) return `it is a ${cert.certType === 1 ? 'user' : `type ${cert.certType}`} certificate, not a host certificate`;
  if (isCertificateType(new Reader(cert.signatureKey).string().toString('latin1'))) return 'its CA key is itself a certificate';
  let verified = false;
  try {
    verified = signatureVerifies(cert.signatureKey, cert.signed, cert.signature);
  } catch (err) {
    return `its signature cannot be checked: ${(err as Error).message}`;
  }
  if (!verified) return 'its signature does not verify with the CA key';
  const secs = BigInt(Math.floor(now.getTime() / 1000));
  if (secs < cert.validAfter) return `it is not valid before ${timeOf(cert.validAfter)}`;
  if (secs >= cert.validBefore) return `it expired at ${timeOf(cert.validBefore)}`;
  if (cert.criticalOptions.length > 0) return `it has critical options runbook does not know (${cert.criticalOptions.join(', ')})`;
  // OpenSSH takes an empty list as "any host"; a CA that signs such a certificate would vouch
  // for every host, so runbook refuses it
  if (cert.principals.length === 0) return 'it names no principals (it would be valid for any host)';
  if (!cert.principals.some((p) => p.toLowerCase() === name.toLowerCase())) return `it is for ${cert.principals.join(', ')}, not for ${name}`;
  return undefined;
}

function timeOf(secs: bigint): string {
  return secs >= 253402300799n ? 'forever' : new Date(Number(secs) * 1000).toISOString();
}
