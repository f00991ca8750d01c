import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretBox, SecretsError } from '../../src/sync/secrets';

describe('SecretBox', () => {
  const box = SecretBox.fromKey(randomBytes(32).toString('base64'));
  const credentials = { username: 'admin', password: 'Geheim!Passwort-42', apiKey: 'pat-na1-0123456789' };

  it('round-trips a value and never stores it in the clear', () => {
    const sealed = box.seal(credentials, 'connection:1');
    expect(sealed.toString('latin1')).not.toContain('Geheim');
    expect(sealed.toString('base64')).not.toContain(Buffer.from('Geheim').toString('base64'));
    expect(box.open(sealed, 'connection:1')).toEqual(credentials);
    // A fresh IV each time: the same value never seals to the same bytes.
    expect(box.seal(credentials, 'connection:1').equals(sealed)).toBe(false);
  });

  it('refuses a value bound to another record, a tampered value and the wrong key', () => {
    const sealed = box.seal(credentials, 'connection:1');
    expect(() => box.open(sealed, 'connection:2')).toThrow(SecretsError);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => box.open(tampered, 'connection:1')).toThrow(SecretsError);
    const other = SecretBox.fromKey(randomBytes(32).toString('hex'));
    expect(() => other.open(sealed, 'connection:1')).toThrow(/could not be opened/);
    try {
      other.open(sealed, 'connection:1');
    } catch (e) {
      expect(String(e)).not.toContain('Geheim');
    }
  });

  it('refuses a key of the wrong length, and keeps a generated key file private and stable', () => {
    expect(() => SecretBox.fromKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdhub-key-'));
    try {
      const a = SecretBox.fromKeyFile(dir);
      const mode = fs.statSync(path.join(dir, 'secret.key')).mode & 0o777;
      expect(mode).toBe(0o600);
      const sealed = a.seal({ token: 't' }, 'x');
      expect(SecretBox.fromKeyFile(dir).open(sealed, 'x')).toEqual({ token: 't' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
