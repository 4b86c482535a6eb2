import { loadableKeyPair } from '../../../src/launcher/key-pair.js';

/** A fresh key pair: the public key as a known_hosts / authorized_keys field pair and as a wire blob. */
export function newKey(type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', passphrase?: string): { type: string; b64: string; blob: Buffer; private: string } {
  const opts = type === 'rsa' ? { bits: 2048 } : type === 'ecdsa' ? { bits: 256 } : {};
  const pair = loadableKeyPair(type, passphrase ? { ...opts, passphrase, cipher: 'aes256-ctr', rounds: 4 } : opts);
  const [keyType, b64] = pair.public.trim().split(/\s+/) as [string, string];
  return { type: keyType, b64, blob: Buffer.from(b64, 'base64'), private: pair.private };
}
