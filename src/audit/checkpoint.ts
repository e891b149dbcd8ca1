import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';

/**
 * Signed checkpoints of the access log's hash chain: the chain head (batch sequence number, rows
 * logged, head hash, time) signed with an Ed25519 key the database never holds, as a C2SP signed
 * note (https://c2sp.org/signed-note) whose text follows C2SP tlog-checkpoint
 * (https://c2sp.org/tlog-checkpoint): origin, size, hash, then extension lines. Byte for byte:
 *
 *     localhost/privacy-gateway/access-log          origin: which log (also the key's name)
 *     1042                                          chain_seq of the head batch (the "tree size": batches since genesis)
 *     q1R6Xo0vN6sA1k0Z3aY5w4m4n0P2Yy8zT6pU0bq3gIY=  the head batch's hash (access_log_batches.hash), 32 bytes, base64
 *     rows 381234                                   rows logged from genesis up to and including that batch (pruned ones too)
 *     time 2026-05-04T09:15:00.000Z                 when the gateway signed it (its clock, UTC)
 *                                                   (blank line: end of the note text)
 *     — localhost/privacy-gateway/access-log AbCd…  em dash, key name, base64(4-byte key ID || 64-byte Ed25519 signature)
 *
 * The signature covers the note text: the five lines, each ending in a newline. The key ID is
 * C2SP's for Ed25519: sha256(key name || 0x0A || 0x01 || 32-byte public key)[:4]. The public key
 * travels as a verifier key in the format of Go's golang.org/x/mod/sumdb/note (the key name, the
 * key ID in hex, base64(0x01 || public key), joined by "+"), e.g.
 * `localhost/privacy-gateway/access-log+1a2b3c4d+AUmT…`. Not a Merkle tree: the "hash" is the
 * head of a hash chain, which commits to every batch before it just as well for a verifier that
 * holds the whole chain (`npm run audit -- verify --checkpoints`).
 */
export interface CheckpointBody {
  origin: string;
  /** chain_seq of the head batch, decimal. */
  seq: string;
  /** The head batch's hash, 64 hex digits, as access_log_batches stores it. */
  hash: string;
  /** Rows logged up to and including the head batch since genesis, decimal. */
  rows: string;
  time: Date;
}

/** An Ed25519 key as the note format names it. */
export interface NoteKey {
  name: string;
  /** The 4-byte key ID, 8 hex digits. */
  id: string;
  publicKey: KeyObject;
  /** The 32-byte raw public key. */
  raw: Buffer;
}

export interface SigningKey extends NoteKey {
  privateKey: KeyObject;
}

const ED25519 = 0x01;
const DECIMAL = /^(0|[1-9]\d{0,18})$/;

/** C2SP: a key name is non-empty, with no Unicode space and no "+". */
export function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/[\x00-\x1f]/.test(name);
}

export function keyId(name: string, raw: Buffer): string {
  return createHash('sha256').update(Buffer.concat([Buffer.from(name, 'utf8'), Buffer.from([0x0a, ED25519]), raw])).digest().subarray(0, 4).toString('hex');
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

export function noteKey(name: string, publicKey: KeyObject): NoteKey {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('the checkpoint key must be an Ed25519 key');
  if (!validKeyName(name)) throw new Error(`"${name}" cannot be a key name: no spaces or "+"`);
  const raw = rawPublicKey(publicKey);
  return { name, id: keyId(name, raw), publicKey, raw };
}

export function signingKey(name: string, privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the checkpoint key must be an Ed25519 key');
  return { ...noteKey(name, createPublicKey(privateKey)), privateKey };
}

/** The verifier key text (Go note format): `<name>+<key ID hex>+<base64(0x01 || public key)>`. */
export function verifierKey(k: NoteKey): string {
  return `${k.name}+${k.id}+${Buffer.concat([Buffer.from([ED25519]), k.raw]).toString('base64')}`;
}

/** Parses a verifier key; throws with what is wrong. */
export function parseVerifierKey(text: string): NoteKey {
  const v = text.trim();
  const a = v.indexOf('+');
  const b = a < 0 ? -1 : v.indexOf('+', a + 1);
  if (a <= 0 || b < 0) throw new Error('a verifier key is <name>+<key id>+<base64 key>');
  const name = v.slice(0, a);
  const id = v.slice(a + 1, b);
  const key = Buffer.from(v.slice(b + 1), 'base64');
  if (!/^[0-9a-f]{8}$/.test(id)) throw new Error('the key id of a verifier key is 8 hex digits');
  if (key.length !== 33 || key[0] !== ED25519 || key.toString('base64') !== v.slice(b + 1)) throw new Error('the verifier key is not an Ed25519 key (0x01 and 32 bytes, base64)');
  const raw = key.subarray(1);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const k = noteKey(name, publicKey);
  if (k.id !== id) throw new Error(`the key id ${id} does not match the key (${k.id})`);
  return k;
}

/** The note text of a checkpoint (what is signed). */
export function checkpointText(c: CheckpointBody): string {
  return `${c.origin}\n${c.seq}\n${Buffer.from(c.hash, 'hex').toString('base64')}\nrows ${c.rows}\ntime ${c.time.toISOString()}\n`;
}

/** A C2SP signed note: the text (ending in a newline), a blank line, one signature line. */
export function signNote(text: string, key: SigningKey): string {
  const sig = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  return `${text}\n— ${key.name} ${Buffer.concat([Buffer.from(key.id, 'hex'), sig]).toString('base64')}\n`;
}

export const signCheckpoint = (c: CheckpointBody, key: SigningKey): string => signNote(checkpointText(c), key);

export type NoteCheck =
  | { ok: true; body: CheckpointBody }
  | { ok: false; problem: 'malformed' | 'other key' | 'bad signature' | 'not a checkpoint'; detail: string };

/**
 * Opens a signed checkpoint with the one trusted key. As C2SP says: signatures by other keys are
 * ignored; a note without a verifying signature by the trusted key is rejected ("other key" when
 * no signature line names it, "bad signature" when it does and does not verify). Only then is the
 * text read as a checkpoint, whose origin must be the key's name.
 */
export function openCheckpoint(note: string, key: NoteKey): NoteCheck {
  const bad = (problem: 'malformed' | 'other key' | 'bad signature' | 'not a checkpoint', detail: string): NoteCheck => ({ ok: false, problem, detail });
  if (/[\x00-\x09\x0b-\x1f]/.test(note) || note.includes('\uFFFD')) return bad('malformed', 'control characters or invalid UTF-8');
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return bad('malformed', 'no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const sigs: { name: string; id: string; sig: Buffer }[] = [];
  for (const l of lines) {
    const m = /^— (\S+) ([A-Za-z0-9+/]+=*)$/.exec(l);
    const bytes = m ? Buffer.from(m[2], 'base64') : null;
    if (!m || !bytes || bytes.length < 5) return bad('malformed', 'a signature line is not "— <key name> <base64>"');
    sigs.push({ name: m[1], id: bytes.subarray(0, 4).toString('hex'), sig: bytes.subarray(4) });
  }
  const ours = sigs.filter((s) => s.name === key.name && s.id === key.id);
  if (!ours.length) return bad('other key', sigs.map((s) => `${s.name}+${s.id}`).join(', '));
  if (!ours.every((s) => s.sig.length === 64 && verify(null, Buffer.from(text, 'utf8'), key.publicKey, s.sig))) return bad('bad signature', `${key.name}+${key.id}`);

  const body = text.slice(0, -1).split('\n');
  if (body.length !== 5) return bad('not a checkpoint', `${body.length} lines, expected 5`);
  const [origin, seq, hash64, rowsLine, timeLine] = body;
  const hash = Buffer.from(hash64, 'base64');
  const rows = /^rows (\d+)$/.exec(rowsLine)?.[1];
  const time = /^time (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/.exec(timeLine)?.[1];
  if (origin !== key.name) return bad('not a checkpoint', `origin "${origin}" is not the key's name`);
  if (!DECIMAL.test(seq) || seq === '0') return bad('not a checkpoint', 'line 2 is not a batch number');
  if (hash.length !== 32 || hash.toString('base64') !== hash64) return bad('not a checkpoint', 'line 3 is not a 32-byte hash in base64');
  if (rows === undefined || !DECIMAL.test(rows)) return bad('not a checkpoint', 'line 4 is not "rows <n>"');
  if (time === undefined || Number.isNaN(new Date(time).getTime())) return bad('not a checkpoint', 'line 5 is not "time <ISO 8601 UTC>"');
  return { ok: true, body: { origin, seq, hash: hash.toString('hex'), rows, time: new Date(time) } };
}
