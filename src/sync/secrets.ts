import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretsError extends Error {}

/**
 * Seals connection credentials and webhook secrets with AES-256-GCM before they are stored. The record's id is
 * bound in as additional data, so a sealed value copied onto another record does not open. The sealed form is
 * one buffer: version byte, IV, auth tag, ciphertext.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** From a base64 or hex encoded 32-byte key (MDHUB_SECRET_KEY). */
  static fromKey(encoded: string): SecretBox {
    const key = /^[0-9a-f]{64}$/i.test(encoded) ? Buffer.from(encoded, 'hex') : Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new SecretsError('MDHUB_SECRET_KEY must be 32 bytes, base64 or hex encoded');
    return new SecretBox(key);
  }

  /**
   * The embedded demo has no configured key; it keeps one next to its data (mode 0600), made on first use, so
   * `npm start` works out of the box and the data directory stays self-contained.
   */
  static fromKeyFile(dataDir: string): SecretBox {
    const file = path.join(dataDir, 'secret.key');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dataDir, { recursive: true });
      try {
        fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    return SecretBox.fromKey(fs.readFileSync(file, 'utf8').trim());
  }

  seal(plain: unknown, boundTo: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  open<T = unknown>(sealed: Buffer, boundTo: string): T {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION)
      throw new SecretsError('not a sealed secret');
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      const plain = Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      // Never echo what failed to open: the message must not carry any part of a secret.
      throw new SecretsError(
        'a stored secret could not be opened: wrong MDHUB_SECRET_KEY, or the value was tampered with',
      );
    }
  }
}
