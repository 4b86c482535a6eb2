import ssh2 from 'ssh2';

const { utils } = ssh2;

/** A fresh key pair: the public key as a known_hosts / authorized_keys field pair and as a wire blob. */
export function newKey(type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', passphrase?: string): { type: string; b64: string; blob: Buffer; private: string } {
  const opts = type === 'rsa' ? { bits: 2048 } : type === 'ecdsa' ? { bits: 256 } : {};
  const options = passphrase ? { ...opts, passphrase, cipher: 'aes256-ctr', rounds: 4 } : opts;
  // the typings tie options to the key type; any of these is fine at run time
  const pair = (utils.generateKeyPairSync as (t: string, o: object) => { public: string; private: string })(type, options);
  const [keyType, b64] = pair.public.trim().split(/\s+/) as [string, string];
  return { type: keyType, b64, blob: Buffer.from(b64, 'base64'), private: pair.private };
}
