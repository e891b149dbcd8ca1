import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { CheckpointBody, NoteKey, openCheckpoint, parseVerifierKey } from './checkpoint';
import { VKEY_FILE } from './checkpointer';
import { startingPoint } from './verify-chain';

/**
 * `npm run audit -- verify --checkpoints <folder>`: the access log against the signed checkpoints
 * the gateway wrote outside the database (checkpointer.ts), beside the chain walk of
 * verify-chain.ts. A hash chain kept in the database proves nothing about its end: whoever can
 * write the tables can cut the newest batches or recompute every hash. The checkpoints, signed
 * with a key the database never holds, say what the end was.
 *
 * Checked, in this order, reporting the first disagreement:
 *   1. every `*.checkpoint` file of the folder is a checkpoint of this log signed by the trusted
 *      public key (else it is forged: signed by another key, altered, or not a signed note);
 *   2. each checkpoint, from the oldest batch number up, names a batch the chain holds, with that
 *      hash (else: truncated after the last batch, a batch missing, or the chain rewritten since
 *      the newest checkpoint that still agrees);
 *   3. the newest checkpoint's row count is not more than the log holds up to its batch: rows in
 *      access_log plus rows pruned (access_log_prunes).
 * A prune drops rows, never batches: a checkpoint naming a batch whose rows were pruned is
 * still checked against the batch's stored hash, and the row count of 3 counts pruned rows as
 * held. A newest checkpoint older than the prune's end skips 3.
 *
 * The public key: GATEWAY_CHECKPOINT_PUBLIC_KEY when set (pinned by whoever verifies), else the
 * verifier key the gateway wrote into the folder (checkpoint-key.vkey).
 */
export interface ReadCheckpoint {
  file: string;
  body: CheckpointBody;
}

export interface CheckpointFolder {
  dir: string;
  key: NoteKey;
  /** Sorted by batch number, then time, then file name. */
  checkpoints: ReadCheckpoint[];
  /** The first file (in name order) that is not a checkpoint signed by the key. */
  forged: string | null;
}

export interface CheckpointsResult {
  ok: boolean;
  checkpoints: number;
  /** Of them, those naming a batch whose rows were pruned. */
  pruned: number;
  newest: ReadCheckpoint | null;
  /** `<key name>+<key id>`. */
  key: string;
  /** The first point of disagreement, as printed. */
  problem: string | null;
}

const MAX_NOTE_BYTES = 64 * 1024;

/** The trusted public key and where it came from; throws when there is none. */
export function checkpointVerifierKey(pinned: string | null, dir: string): { key: NoteKey; from: string } {
  if (pinned !== null) return { key: parseVerifierKey(pinned), from: 'GATEWAY_CHECKPOINT_PUBLIC_KEY' };
  const file = path.join(dir, VKEY_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no public key to check the checkpoints with: set GATEWAY_CHECKPOINT_PUBLIC_KEY, or keep ${VKEY_FILE} in ${dir}`);
  }
  try {
    return { key: parseVerifierKey(text), from: file };
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

const bigSort = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/** Reads and opens every `*.checkpoint` file of the folder; stops at the first forged one. */
export async function readCheckpointFolder(dir: string, key: NoteKey): Promise<CheckpointFolder> {
  const names = (await fs.promises.readdir(dir, { withFileTypes: true }))
    .filter((e) => e.name.endsWith('.checkpoint'))
    .map((e) => e.name)
    .sort();
  const checkpoints: ReadCheckpoint[] = [];
  const ref = `${key.name}+${key.id}`;
  for (const file of names) {
    const full = path.join(dir, file);
    const stat = await fs.promises.lstat(full);
    if (!stat.isFile() || stat.size > MAX_NOTE_BYTES) {
      return { dir, key, checkpoints, forged: `checkpoint ${file} is forged: not a signed note (${stat.isFile() ? 'too large' : 'not a regular file'})` };
    }
    const opened = openCheckpoint(await fs.promises.readFile(full, 'utf8'), key);
    if (!opened.ok) {
      const why = {
        malformed: `checkpoint ${file} is forged: not a signed note (${opened.detail})`,
        'other key': `checkpoint ${file} is forged: it is not signed by ${ref} (its signatures: ${opened.detail || 'none'})`,
        'bad signature': `checkpoint ${file} is forged: its signature by ${ref} does not verify (the note was altered, or signed by another key)`,
        'not a checkpoint': `checkpoint ${file} is signed by ${ref} but is not a checkpoint of this log (${opened.detail})`,
      }[opened.problem];
      return { dir, key, checkpoints, forged: why };
    }
    checkpoints.push({ file, body: opened.body });
  }
  checkpoints.sort((a, b) => bigSort(a.body.seq, b.body.seq) || a.body.time.getTime() - b.body.time.getTime() || (a.file < b.file ? -1 : 1));
  return { dir, key, checkpoints, forged: null };
}

const batches = (from: bigint, to: string) => (from === BigInt(to) ? `batch ${to}` : `batches ${from} to ${to}`);

/** Checks the checkpoints read (before the chain walk started) against the chain as it is now. */
export async function checkCheckpoints(ds: DataSource, folder: CheckpointFolder): Promise<CheckpointsResult> {
  const { checkpoints } = folder;
  const key = `${folder.key.name}+${folder.key.id}`;
  const newest = checkpoints.length ? checkpoints[checkpoints.length - 1] : null;
  let pruned = 0;
  const result = (problem: string | null): CheckpointsResult => ({ ok: problem === null, checkpoints: checkpoints.length, pruned, newest, key, problem });
  if (folder.forged) return result(folder.forged);

  const [{ last }] = await ds.query(`SELECT coalesce(max(chain_seq), 0)::text AS last FROM access_log_batches`);
  if (!newest) return result(last === '0' ? null : `no checkpoint in ${folder.dir}: nothing vouches for the end of the log (${last} batches)`);

  const start = await startingPoint(ds);
  const stored = new Map<string, string>();
  const seqs = [...new Set(checkpoints.map((c) => c.body.seq))];
  for (let i = 0; i < seqs.length; i += 10_000) {
    const rows: { seq: string; hash: string }[] = await ds.query(
      `SELECT chain_seq::text AS seq, hash FROM access_log_batches WHERE chain_seq = ANY($1::bigint[])`, [seqs.slice(i, i + 10_000)]);
    for (const r of rows) stored.set(r.seq, r.hash);
  }

  let confirmed = 0n; // the newest batch a checkpoint confirmed so far
  for (const { file, body } of checkpoints) {
    const hash = stored.get(body.seq);
    if (hash === undefined) {
      if (BigInt(body.seq) > BigInt(last)) {
        return result(`batch ${body.seq} missing: the log was truncated after batch ${last} ` +
          `(checkpoint ${file} names batch ${body.seq} with ${body.rows} rows, signed ${body.time.toISOString()})`);
      }
      return result(`batch ${body.seq} missing from the chain, which goes on to batch ${last} (checkpoint ${file} names it)`);
    }
    if (hash !== body.hash) {
      const where = confirmed > 0n
        ? `the log was rewritten in ${batches(confirmed + 1n, body.seq)} (batch ${confirmed} is the newest a checkpoint confirms)`
        : `the log was rewritten in ${batches(1n, body.seq)} (no earlier checkpoint confirms a batch)`;
      return result(`checkpoint ${file} names batch ${body.seq} whose hash is ${body.hash}, the chain has ${hash}: ${where}`);
    }
    if (start.pruned && BigInt(body.seq) <= BigInt(start.afterSeq)) pruned += 1;
    confirmed = BigInt(body.seq);
  }

  if (!(start.pruned && BigInt(newest.body.seq) <= BigInt(start.afterSeq))) {
    const [{ present, dropped }] = await ds.query(
      `SELECT (SELECT count(*) FROM access_log l JOIN access_log_batches b ON b.id = l.batch_id WHERE b.chain_seq <= $1)::text AS present,
              (SELECT coalesce(sum(row_count), 0) FROM access_log_prunes)::text AS dropped`, [newest.body.seq]);
    const held = BigInt(present) + BigInt(dropped);
    if (BigInt(newest.body.rows) > held) {
      return result(`checkpoint ${newest.file} names ${newest.body.rows} rows up to batch ${newest.body.seq}; ` +
        `the log holds ${held} (${present} in access_log, ${dropped} pruned): rows were deleted`);
    }
  }
  return result(null);
}

export function describeCheckpoints(r: CheckpointsResult): string {
  if (r.problem) return `checkpoints BROKEN: ${r.problem}`;
  if (!r.newest) return 'checkpoints ok: none, and the log is empty';
  const n = r.checkpoints === 1 ? '1 checkpoint' : `${r.checkpoints} checkpoints`;
  const pruned = r.pruned ? `, ${r.pruned} of them naming batches whose rows were pruned` : '';
  const b = r.newest.body;
  return `checkpoints ok: ${n} signed by ${r.key} ${r.checkpoints === 1 ? 'agrees' : 'agree'} with the chain${pruned}; ` +
    `the newest names batch ${b.seq} with ${b.rows} rows, signed ${b.time.toISOString()} (${r.newest.file})`;
}
