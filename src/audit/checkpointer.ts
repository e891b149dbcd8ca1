import fs from 'node:fs';
import path from 'node:path';
import { createPrivateKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Config, ConfigError } from '../config';
import { log } from '../log';
import { CheckpointBody, parseVerifierKey, signCheckpoint, signingKey, SigningKey, verifierKey } from './checkpoint';

/**
 * The gateway's checkpointer: every `intervalMs` (and once more on shutdown) it reads the chain
 * head, signs it (checkpoint.ts) and writes the checkpoint outside the database:
 *   - a new file in the checkpoint folder, created with O_EXCL (never overwritten) and fsync'd
 *     with its folder, named `<chain_seq, 20 digits>-<time>-<replica>.checkpoint` so that replicas
 *     sharing a folder never collide and a listing sorts by batch;
 *   - one JSON log line (`access-log checkpoint`, with the note), so a SIEM keeps a copy;
 *   - optionally a witness: the note POSTed as text/plain, with a bounded timeout. A witness that
 *     fails is logged (its status or error code) and sent the newest checkpoint at the next tick.
 * It runs on an unref'd timer, off the request path: a tick is one indexed query and a file. It
 * skips a tick while the head has not moved since its last checkpoint, and never runs two ticks at
 * once. A failure (database, disk) is logged by code and tried again at the next tick; it never
 * stops the gateway. Rows are counted incrementally: the first tick sums row_count over the whole
 * chain (once per process), later ones only over the batches chained since.
 *
 * The folder also gets `checkpoint-key.vkey`, the public verifier key, written once; a folder
 * holding another key's verifier refuses the start, since every checkpoint written there would
 * then read as forged.
 */
export const VKEY_FILE = 'checkpoint-key.vkey';
const WITNESS_TIMEOUT_MS = 3_000;

export interface CheckpointerOptions {
  dir: string;
  key: SigningKey;
  replica: string;
  intervalMs: number;
  witnessUrl?: string | null;
}

export interface WrittenCheckpoint extends CheckpointBody {
  file: string;
  note: string;
}

export interface Checkpointer {
  /** Signs and writes the current head now, unless it has not moved; resolves with what was written. */
  checkpointNow(): Promise<WrittenCheckpoint | null>;
  /** Stops the timer, writes a last checkpoint and waits for the witness. */
  close(): Promise<void>;
}

const HEAD_SQL = `
  SELECT h.chain_seq::text AS seq, h.hash,
         (SELECT coalesce(sum(b.row_count), 0)::text FROM access_log_batches b WHERE b.chain_seq > $1 AND b.chain_seq <= h.chain_seq) AS added
  FROM (SELECT chain_seq, hash FROM access_log_batches ORDER BY chain_seq DESC LIMIT 1) h`;

const compactTime = (d: Date) => d.toISOString().replace(/[-:]/g, '');

/** Loads the signing key: GATEWAY_CHECKPOINT_KEY_FILE, or in development dataDir/checkpoint-ed25519.pem, generated (0600) when missing. */
export function loadCheckpointKey(config: Config): { key: SigningKey; file: string; generated: boolean } {
  const c = config.checkpoints;
  if (c.keyFile === null && config.env === 'production') {
    throw new ConfigError('GATEWAY_CHECKPOINT_KEY_FILE', 'required when GATEWAY_ENV=production (the Ed25519 key that signs checkpoints, from a mounted Secret)');
  }
  const file = c.keyFile ?? path.join(config.dataDir, 'checkpoint-ed25519.pem');
  let generated = false;
  if (c.keyFile === null && !fs.existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { flag: 'wx', mode: 0o600 });
      generated = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first: use theirs
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(fs.readFileSync(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError('GATEWAY_CHECKPOINT_KEY_FILE', code === 'ENOENT' ? `no key file at ${file}` : `${file} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new ConfigError('GATEWAY_CHECKPOINT_KEY_FILE', `${file} is not an Ed25519 key`);
  const key = signingKey(c.origin, privateKey);
  if (c.publicKey !== null && parseVerifierKey(c.publicKey).id !== key.id) {
    throw new ConfigError('GATEWAY_CHECKPOINT_PUBLIC_KEY', `is not the public key of ${file} (${verifierKey(key)})`);
  }
  return { key, file, generated };
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Creates `name` in `dir` with `text`, failing if it exists; the file and the folder entry are on disk when it resolves. */
async function writeNew(dir: string, name: string, text: string): Promise<void> {
  const fh = await fs.promises.open(path.join(dir, name), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o444);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsyncDir(dir);
}

/** Creates the folder and its verifier-key file; throws ConfigError when the folder belongs to another key. */
export async function prepareCheckpointDir(dir: string, key: SigningKey): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o750 });
  const vkey = verifierKey(key);
  try {
    await writeNew(dir, VKEY_FILE, `${vkey}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const held = (await fs.promises.readFile(path.join(dir, VKEY_FILE), 'utf8')).trim();
    if (held !== vkey) {
      throw new ConfigError('GATEWAY_CHECKPOINT_DIR', `${dir} holds the checkpoints of another key (${held}); this key is ${vkey}: use a new folder for it`);
    }
  }
}

const errorCode = (err: unknown): string => {
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: unknown };
  return String(e?.code ?? e?.cause?.code ?? e?.name ?? 'unknown');
};

export async function startCheckpointer(ds: DataSource, opts: CheckpointerOptions): Promise<Checkpointer> {
  await prepareCheckpointDir(opts.dir, opts.key);
  let lastSeq = '0';
  let lastRows = 0n;
  let lastHash: string | null = null;
  let running: Promise<WrittenCheckpoint | null> | null = null;
  let forWitness: string | null = null; // the newest note the witness has not acknowledged
  let witnessing: Promise<void> | null = null;
  let attempted: string | null = null; // the note of the last send
  let closed = false;

  async function postToWitness(url: string, note: string): Promise<void> {
    try {
      const res = await fetch(url, { method: 'POST', body: note, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(WITNESS_TIMEOUT_MS) });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) {
        log.warn('checkpoint witness refused', { status: res.status });
        return;
      }
      if (forWitness === note) forWitness = null;
    } catch (err) {
      log.warn('checkpoint witness unreachable', { error: errorCode(err) });
    }
  }

  /** Sends the newest unacknowledged note, unless a send is in flight (one at a time, however short the interval). */
  function witness(): Promise<void> {
    if (!witnessing && opts.witnessUrl && forWitness !== null) {
      attempted = forWitness;
      witnessing = postToWitness(opts.witnessUrl, forWitness).finally(() => (witnessing = null));
    }
    return witnessing ?? Promise.resolve();
  }

  const readHead = async (after: string) => ((await ds.query(HEAD_SQL, [after])) as { seq: string; hash: string; added: string }[])[0];

  async function tick(): Promise<WrittenCheckpoint | null> {
    let head = await readHead(lastSeq);
    if (head && head.seq === lastSeq && head.hash === lastHash) return null; // not moved
    if (lastSeq !== '0' && (!head || BigInt(head.seq) <= BigInt(lastSeq))) {
      // What this process signed is no longer the chain: batches gone (truncation) or the head
      // rewritten. An alarm in the log; the head is signed as it now is, rows recounted from genesis.
      if (head?.seq === lastSeq) log.error('access-log chain head rewritten', { seq: lastSeq, signed: lastHash, now: head.hash });
      else log.error('access-log chain head moved back', { from: lastSeq, to: head?.seq ?? '0' });
      lastSeq = '0';
      lastRows = 0n;
      lastHash = null;
      head = await readHead(lastSeq);
    }
    if (!head) return null; // an empty log: nothing to sign yet
    const body: CheckpointBody = { origin: opts.key.name, seq: head.seq, hash: head.hash, rows: String(lastRows + BigInt(head.added)), time: new Date() };
    const note = signCheckpoint(body, opts.key);
    const file = `${head.seq.padStart(20, '0')}-${compactTime(body.time)}-${opts.replica}.checkpoint`;
    await writeNew(opts.dir, file, note);
    lastSeq = head.seq;
    lastHash = head.hash;
    lastRows = BigInt(body.rows);
    forWitness = note;
    log.info('access-log checkpoint', { origin: body.origin, seq: body.seq, rows: body.rows, hash: body.hash, signedAt: body.time.toISOString(), file, key: `${opts.key.name}+${opts.key.id}`, note });
    return { ...body, file, note };
  }

  /** One tick at a time; a failure is logged by code and left to the next tick. */
  function once(): Promise<WrittenCheckpoint | null> {
    if (running) return running.then(() => once()); // a caller that asks now gets a head read after it asked
    running = tick()
      .catch((err: unknown) => {
        log.error('access-log checkpoint failed', { error: errorCode(err) });
        return null;
      })
      .finally(() => {
        running = null;
        if (!closed) void witness();
      });
    return running;
  }

  // The timer skips a tick while one is still running (a slow database must not queue them up).
  const timer = setInterval(() => {
    if (!running) void once();
  }, opts.intervalMs);
  timer.unref();
  return {
    checkpointNow: once,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await once();
      // The send in flight, then the last checkpoint if it has not been tried yet: at most two
      // bounded sends, so a witness that hangs delays the shutdown by WITNESS_TIMEOUT_MS at most twice.
      await witnessing;
      if (forWitness !== null && forWitness !== attempted) await witness();
    },
  };
}
