import { createHash, createPrivateKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { openCheckpoint, parseVerifierKey, signCheckpoint, signingKey, signNote, verifierKey } from '../../src/audit/checkpoint';

/**
 * The checkpoint format (src/audit/checkpoint.ts): a C2SP signed note whose text is a
 * tlog-checkpoint-like body. Expected texts are written out by hand here; signatures and key IDs
 * are checked with node:crypto directly, and against the reference example of Go's
 * golang.org/x/mod/sumdb/note (the implementation C2SP signed-note describes).
 */
const ORIGIN = 'audit.example/privacy-gateway/access-log';
const HASH = 'ab'.repeat(32);
const BODY = { origin: ORIGIN, seq: '42', hash: HASH, rows: '1234', time: new Date('2026-05-04T09:15:00.000Z') };

/** The 32-byte Ed25519 public key, from node:crypto's JWK export. */
const raw = (k: KeyObject) => Buffer.from(k.export({ format: 'jwk' }).x as string, 'base64url');

test('a checkpoint is the C2SP note written out here, signed by Ed25519 over its text, with the C2SP key ID', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const note = signCheckpoint(BODY, signingKey(ORIGIN, privateKey));

  const text = 'audit.example/privacy-gateway/access-log\n42\n' + Buffer.alloc(32, 0xab).toString('base64') + '\nrows 1234\ntime 2026-05-04T09:15:00.000Z\n';
  expect(text).toBe('audit.example/privacy-gateway/access-log\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\nrows 1234\ntime 2026-05-04T09:15:00.000Z\n');
  const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(ORIGIN), Buffer.from([0x0a, 0x01]), raw(publicKey)])).digest().subarray(0, 4);
  const signature = sign(null, Buffer.from(text), privateKey); // Ed25519 is deterministic (RFC 8032)
  expect(note).toBe(`${text}\n— ${ORIGIN} ${Buffer.concat([keyId, signature]).toString('base64')}\n`);

  const sigBytes = Buffer.from(note.split('\n— ')[1].split(' ')[1], 'base64');
  expect(sigBytes.length).toBe(68);
  expect(sigBytes.subarray(0, 4)).toEqual(keyId);
  expect(verify(null, Buffer.from(text), publicKey, sigBytes.subarray(4))).toBe(true);

  expect(verifierKey(signingKey(ORIGIN, privateKey))).toBe(`${ORIGIN}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), raw(publicKey)]).toString('base64')}`);
});

test('opening a checkpoint: the body comes back; another key, an altered byte, a bad note are refused', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = signingKey(ORIGIN, privateKey);
  const vkey = parseVerifierKey(verifierKey(key));
  const note = signCheckpoint(BODY, key);
  expect(openCheckpoint(note, vkey)).toEqual({ ok: true, body: BODY });

  const other = signingKey(ORIGIN, generateKeyPairSync('ed25519').privateKey);
  expect(openCheckpoint(signCheckpoint(BODY, other), vkey)).toEqual({ ok: false, problem: 'other key', detail: `${ORIGIN}+${other.id}` });
  expect(openCheckpoint(note.replace('rows 1234', 'rows 1235'), vkey)).toEqual({ ok: false, problem: 'bad signature', detail: `${ORIGIN}+${key.id}` });
  expect(openCheckpoint(note.replace('\n\n—', '\n—'), vkey)).toMatchObject({ ok: false, problem: 'malformed' });
  expect(openCheckpoint(note.replace('42', '4\t2'), vkey)).toMatchObject({ ok: false, problem: 'malformed' });
  // Signed by the key, but not a checkpoint of this log: another origin, a missing line.
  expect(openCheckpoint(signNote('elsewhere.example/log\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\nrows 1\ntime 2026-05-04T09:15:00.000Z\n', key), vkey))
    .toEqual({ ok: false, problem: 'not a checkpoint', detail: 'origin "elsewhere.example/log" is not the key\'s name' });
  expect(openCheckpoint(signNote(`${ORIGIN}\n42\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n`, key), vkey))
    .toEqual({ ok: false, problem: 'not a checkpoint', detail: '3 lines, expected 5' });
});

test("interoperable: Go's sumdb/note reference key and note, byte for byte", () => {
  // golang.org/x/mod/sumdb/note note_test.go: the signer key is PRIVATE+KEY+<name>+<id>+base64(0x01 || 32-byte seed).
  const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
  const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const NOTE = `${TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]);
  const key = signingKey('PeterNeumann', createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
  expect(verifierKey(key)).toBe(VKEY);
  expect(signNote(TEXT, key)).toBe(NOTE);
  // The reference note verifies under the reference verifier key; it is just not a checkpoint.
  expect(openCheckpoint(NOTE, parseVerifierKey(VKEY))).toEqual({ ok: false, problem: 'not a checkpoint', detail: '2 lines, expected 5' });
  expect(openCheckpoint(NOTE.replace('cryptography', 'cryptographY'), parseVerifierKey(VKEY))).toMatchObject({ ok: false, problem: 'bad signature' });
});

test('verifier keys: a mangled one is refused with what is wrong', () => {
  const bad = (v: string) => {
    try {
      parseVerifierKey(v);
      return 'accepted';
    } catch (err) {
      return (err as Error).message;
    }
  };
  expect([
    'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    'PeterNeumann+c74f20a3+AhpdnBhUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    'PeterNeumann+c74f20a3',
    'PeterNeumann+c74f2+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  ].map(bad)).toEqual([
    'accepted',
    'the key id c74f20a4 does not match the key (c74f20a3)',
    'the verifier key is not an Ed25519 key (0x01 and 32 bytes, base64)',
    'a verifier key is <name>+<key id>+<base64 key>',
    'the key id of a verifier key is 8 hex digits',
  ]);
});
