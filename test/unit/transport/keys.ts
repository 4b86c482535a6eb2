import ssh2 from 'ssh2';

const { utils } = ssh2;

type Pair = { public: string; private: string };

/** A fresh key pair: the public key as a known_hosts / authorized_keys field pair and as a wire blob. */
export function newKey(type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', passphrase?: string): { type: string; b64: string; blob: Buffer; private: string } {
  const opts = type === 'rsa' ? { bits: 2048 } : type === 'ecdsa' ? { bits: 256 } : {};
  const options = passphrase ? { ...opts, passphrase, cipher: 'aes256-ctr', rounds: 4 } : opts;
  const pair = wellFormedPair(type, options);
  const [keyType, b64] = pair.public.trim().split(/\s+/) as [string, string];
  return { type: keyType, b64, blob: Buffer.from(b64, 'base64'), private: pair.private };
}

/**
 * ssh2's generator drops the leading byte of an ed25519 public key that starts with 0x00 (about
 * one key in 256), and writes a file that neither ssh2 nor OpenSSH will load ("Malformed OpenSSH
 * private key"). A test that happened to draw one would fail for no reason of ours, so such pairs
 * are drawn again.
 */
function wellFormedPair(type: string, options: object): Pair {
  // the typings tie options to the key type; any of these is fine at run time
  const generate = utils.generateKeyPairSync as (t: string, o: object) => Pair;
  const passphrase = (options as { passphrase?: string }).passphrase;
  for (let attempt = 1; ; attempt++) {
    const pair = generate(type, options);
    const parsed = utils.parseKey(pair.private, passphrase);
    if (!(parsed instanceof Error)) return pair;
    if (attempt === 20) throw new Error(`ssh2 could not generate a loadable ${type} key: ${parsed.message}`);
  }
}
