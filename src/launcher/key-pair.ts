import ssh2 from 'ssh2';

const { utils } = ssh2;

export interface KeyPair {
  /** `ssh-ed25519 AAAA…`, as in authorized_keys */
  public: string;
  /** OpenSSH private key format */
  private: string;
}

/**
 * ssh2's generateKeyPairSync, drawn again when the file it wrote cannot be loaded. ssh2 drops
 * the leading byte of an ed25519 public key that starts with 0x00 (about one key in 256), and
 * neither ssh2 nor OpenSSH will load that file ("Malformed OpenSSH private key").
 *
 * `options` are ssh2's (bits, passphrase, cipher, rounds).
 */
export function loadableKeyPair(type: 'ed25519' | 'ecdsa' | 'rsa', options: { bits?: number; passphrase?: string; cipher?: string; rounds?: number } = {}): KeyPair {
  // the typings tie options to the key type; any of these is fine at run time
  const generate = utils.generateKeyPairSync as (t: string, o: object) => KeyPair;
  for (let attempt = 1; ; attempt++) {
    const pair = generate(type, options);
    const parsed = utils.parseKey(pair.private, options.passphrase);
    if (!(parsed instanceof Error)) return pair;
    if (attempt === 20) throw new Error(`ssh2 could not generate a loadable ${type} key: ${parsed.message}`);
  }
}
