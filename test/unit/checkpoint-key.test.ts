import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config';
import { loadCheckpointKey, prepareCheckpointDir } from '../../src/audit/checkpointer';
import { signingKey, verifierKey } from '../../src/audit/checkpoint';

/**
 * The checkpoint settings and signing key (src/config.ts, src/audit/checkpointer.ts): development
 * generates a key in the data folder, production refuses to start without one, and a key that is
 * not the configured public key's, or a folder of another key, is refused with the setting named.
 */
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-key-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const configError = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return err instanceof ConfigError ? err.message : `unexpected ${String(err)}`;
  }
  return 'no error';
};

test('defaults: a folder and a key file in the data folder, every 10 s, origin localhost/privacy-gateway/access-log, named by host', () => {
  const c = loadConfig({ GATEWAY_DATA_DIR: dir, GATEWAY_CHECKPOINT_DIR: '', GATEWAY_CHECKPOINT_KEY_FILE: '', GATEWAY_CHECKPOINT_INTERVAL_MS: '',
    GATEWAY_CHECKPOINT_ORIGIN: '', GATEWAY_CHECKPOINT_WITNESS_URL: '', GATEWAY_CHECKPOINT_PUBLIC_KEY: '', GATEWAY_REPLICA_ID: '' });
  expect(c.checkpoints).toEqual({
    dir: path.join(dir, 'checkpoints'), keyFile: null, intervalMs: 10_000, origin: 'localhost/privacy-gateway/access-log', witnessUrl: null, publicKey: null,
    replica: os.hostname().replace(/[^A-Za-z0-9._-]/g, '_'),
  });
});

test.each([
  [{ GATEWAY_CHECKPOINT_INTERVAL_MS: '10' }, 'Invalid setting GATEWAY_CHECKPOINT_INTERVAL_MS: expected an integer between 1000 and 3600000, got "10"'],
  [{ GATEWAY_CHECKPOINT_ORIGIN: 'my log' }, 'Invalid setting GATEWAY_CHECKPOINT_ORIGIN: must be non-empty, without spaces or "+" (it names the signing key)'],
  [{ GATEWAY_CHECKPOINT_WITNESS_URL: 'ftp://witness.example/' }, 'Invalid setting GATEWAY_CHECKPOINT_WITNESS_URL: expected a https: or http: URL'],
  [{ GATEWAY_CHECKPOINT_PUBLIC_KEY: 'someone+00000000+AAAA' }, 'Invalid setting GATEWAY_CHECKPOINT_PUBLIC_KEY: the verifier key is not an Ed25519 key (0x01 and 32 bytes, base64)'],
  [{ GATEWAY_REPLICA_ID: 'pod/1' }, 'Invalid setting GATEWAY_REPLICA_ID: expected 1 to 100 letters, digits, ".", "_" or "-"'],
])('%j is refused with a message naming the setting', (env, message) => {
  expect(configError(() => loadConfig(env))).toBe(message);
});

test('development: the key is generated once (0600) in the data folder and kept', () => {
  const config = loadConfig({ GATEWAY_DATA_DIR: dir, GATEWAY_ENV: 'development', GATEWAY_CHECKPOINT_KEY_FILE: '', GATEWAY_CHECKPOINT_PUBLIC_KEY: '' });
  const first = loadCheckpointKey(config);
  const file = path.join(dir, 'checkpoint-ed25519.pem');
  expect({ file: first.file, generated: first.generated }).toEqual({ file, generated: true });
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const pem = fs.readFileSync(file, 'utf8');
  expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  expect(createPrivateKey(pem).asymmetricKeyType).toBe('ed25519');
  const again = loadCheckpointKey(config);
  expect({ generated: again.generated, id: again.key.id }).toEqual({ generated: false, id: first.key.id });
  expect(fs.readFileSync(file, 'utf8')).toBe(pem);
});

test('production: no key file, a missing one, a key of another kind, or one that is not the pinned public key refuse the start', () => {
  const prod = { GATEWAY_ENV: 'production', GATEWAY_JWKS_URL: 'https://idp.example/jwks.json', GATEWAY_DATABASE_URL: 'postgres://h/g', CRM_DATABASE_URL: 'postgres://h/c', BILLING_DATABASE_URL: 'postgres://h/b', GATEWAY_DATA_DIR: dir, GATEWAY_CHECKPOINT_PUBLIC_KEY: '' };
  expect(configError(() => loadCheckpointKey(loadConfig({ ...prod, GATEWAY_CHECKPOINT_KEY_FILE: '' }))))
    .toBe('Invalid setting GATEWAY_CHECKPOINT_KEY_FILE: required when GATEWAY_ENV=production (the Ed25519 key that signs checkpoints, from a mounted Secret)');
  const file = path.join(dir, 'key.pem');
  expect(configError(() => loadCheckpointKey(loadConfig({ ...prod, GATEWAY_CHECKPOINT_KEY_FILE: file })))).toBe(`Invalid setting GATEWAY_CHECKPOINT_KEY_FILE: no key file at ${file}`);
  expect(fs.existsSync(file)).toBe(false); // production never generates one
  fs.writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  expect(configError(() => loadCheckpointKey(loadConfig({ ...prod, GATEWAY_CHECKPOINT_KEY_FILE: file })))).toBe(`Invalid setting GATEWAY_CHECKPOINT_KEY_FILE: ${file} is not an Ed25519 key`);

  const { privateKey } = generateKeyPairSync('ed25519');
  fs.writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const origin = 'localhost/privacy-gateway/access-log';
  const mine = verifierKey(signingKey(origin, privateKey));
  expect(loadCheckpointKey(loadConfig({ ...prod, GATEWAY_CHECKPOINT_KEY_FILE: file, GATEWAY_CHECKPOINT_PUBLIC_KEY: mine })).key.publicKey.export({ format: 'jwk' }))
    .toEqual(createPublicKey(privateKey).export({ format: 'jwk' }));
  const other = verifierKey(signingKey(origin, generateKeyPairSync('ed25519').privateKey));
  expect(configError(() => loadCheckpointKey(loadConfig({ ...prod, GATEWAY_CHECKPOINT_KEY_FILE: file, GATEWAY_CHECKPOINT_PUBLIC_KEY: other }))))
    .toBe(`Invalid setting GATEWAY_CHECKPOINT_PUBLIC_KEY: is not the public key of ${file} (${mine})`);
});

test("the checkpoint folder gets the public key once; a folder of another key is refused", async () => {
  const folder = path.join(dir, 'checkpoints');
  const key = signingKey('localhost/privacy-gateway/access-log', generateKeyPairSync('ed25519').privateKey);
  await prepareCheckpointDir(folder, key);
  await prepareCheckpointDir(folder, key);
  expect(fs.readdirSync(folder)).toEqual(['checkpoint-key.vkey']);
  expect(fs.readFileSync(path.join(folder, 'checkpoint-key.vkey'), 'utf8')).toBe(`${verifierKey(key)}\n`);
  const other = signingKey('localhost/privacy-gateway/access-log', generateKeyPairSync('ed25519').privateKey);
  await expect(prepareCheckpointDir(folder, other)).rejects.toThrow(new ConfigError('GATEWAY_CHECKPOINT_DIR',
    `${folder} holds the checkpoints of another key (${verifierKey(key)}); this key is ${verifierKey(other)}: use a new folder for it`));
});
