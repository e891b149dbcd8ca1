import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, KeyObject, verify } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startTestGateway, TestGateway } from '../support/gateway';
import { ADULT, MINOR, insertCustomers } from '../fixtures/customers';
import { insertLogRows, SINGLE_CATEGORY } from '../support/log-rows';
import { batchHash, batchHeader, GENESIS_HASH, linkedHash, LogRow } from '../../src/audit/chain';
import { batchContent, contentDigest } from '../../src/audit/batch-content';
import { toLogRow } from '../../src/audit/verify-chain';
import { signCheckpoint, signingKey, SigningKey } from '../../src/audit/checkpoint';
import { Checkpointer, startCheckpointer } from '../../src/audit/checkpointer';
import { setLogLevel } from '../../src/log';

/**
 * Signed checkpoints (issue 15, items 2 and 3). The log is written through the gateway over HTTP,
 * the checkpointer signs its head into a folder, then the database's superuser (the owner of
 * everything, who can disable the insert-only triggers) changes the log, and
 * `npm run audit -- verify --checkpoints` (run as a command, from source) must say where the log
 * and the checkpoints first disagree, with exit status 1. Expected lines are built from the
 * database and the checkpoint files as this test reads them, and the signatures are checked here
 * with node:crypto.
 */
const ROOT = path.resolve(__dirname, '../..');
const ORIGIN = 'test.example/privacy-gateway/access-log';
const QUERY = (id: string) => `{ customer(id: "${id}") { id firstName nationalId emails { address } } }`;

interface Setup {
  gw: TestGateway;
  dir: string;
  key: SigningKey;
  /** The superuser, connected to the gateway's database. */
  su: Client;
  /** chain_seq of each checkpoint written, in order. */
  seqs: string[];
  close(): Promise<void>;
}

const open: Setup[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
});

/** A superuser connection to the test gateway's own database. */
async function superuser(gatewayUrl: string): Promise<Client> {
  const db = new URL(gatewayUrl).pathname.slice(1);
  const c = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL!.replace(/\/[^/?]*(\?|$)/, `/${db}$1`) });
  await c.connect();
  return c;
}

/** Three rounds of three reads through the gateway, a checkpoint after each. */
async function setup(opts: { before?: (s: Omit<Setup, 'seqs' | 'close'>) => Promise<void> } = {}): Promise<Setup> {
  const gw = await startTestGateway();
  await insertCustomers(gw.stores, [ADULT, MINOR]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoints-'));
  const key = signingKey(ORIGIN, generateKeyPairSync('ed25519').privateKey);
  const su = await superuser(gw.config.databases.gateway!);
  await opts.before?.({ gw, dir, key, su });
  const cp = await startCheckpointer(gw.stores.gateway, { dir, key, replica: 'replica-a', intervalMs: 3_600_000 });
  const seqs: string[] = [];
  for (let round = 0; round < 3; round++) {
    await reads(gw, 3);
    seqs.push((await cp.checkpointNow())!.seq);
  }
  await cp.close();
  const s: Setup = {
    gw, dir, key, su, seqs,
    async close() {
      await su.end();
      await gw.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  open.push(s);
  return s;
}

async function reads(gw: TestGateway, n: number): Promise<void> {
  const token = await gw.token('crm-service');
  for (let i = 0; i < n; i++) {
    const r = await gw.gql({ token, purpose: 'account_management', query: QUERY(i % 2 ? MINOR.id : ADULT.id) });
    expect(r.status).toBe(200);
  }
}

/** `npm run audit -- verify --checkpoints <dir>`, from source, against the test gateway's databases. */
function verifyCli(gw: TestGateway, dir: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/audit.ts', 'verify', '--checkpoints', dir], {
      cwd: ROOT,
      env: {
        ...process.env, TS_NODE_PROJECT: 'tsconfig.jest.json', LOG_LEVEL: 'error',
        GATEWAY_DATABASE_URL: gw.config.databases.gateway!, CRM_DATABASE_URL: gw.config.databases.crm!, BILLING_DATABASE_URL: gw.config.databases.billing!,
        ...env,
      },
      timeout: 120_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** The checkpoint files, in name order, with their lines as written. */
function files(dir: string): { file: string; text: string; lines: string[] }[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.checkpoint')).sort().map((file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    return { file, text, lines: text.split('\n') };
  });
}

/** The newest checkpoint file of a batch: its name, and its rows and time lines. */
function newestFile(dir: string, seq: string): { file: string; rows: string; time: string } {
  const f = files(dir).filter((x) => x.lines[1] === seq).pop()!;
  return { file: f.file, rows: f.lines[3].replace(/^rows /, ''), time: f.lines[4].replace(/^time /, '') };
}

async function chainCounts(su: Client): Promise<{ batches: number; rows: number }> {
  const { rows: [r] } = await su.query(`SELECT (SELECT count(*)::int FROM access_log_batches) AS batches, (SELECT count(*)::int FROM access_log) AS rows`);
  return r;
}

const hashOf = async (su: Client, seq: string): Promise<string> => (await su.query(`SELECT hash FROM access_log_batches WHERE chain_seq = $1`, [seq])).rows[0].hash;
const keyRef = (key: SigningKey) => `${ORIGIN}+${key.id}`;
const stderrFor = (dir: string, key: SigningKey) => `audit: checkpoints signed by ${keyRef(key)} (public key from ${path.join(dir, 'checkpoint-key.vkey')})\n`;

/** What the owner does to change the log: the insert-only triggers off, the change, the triggers back on. */
async function asOwner(su: Client, change: () => Promise<void>): Promise<void> {
  await su.query(`ALTER TABLE access_log DISABLE TRIGGER USER`);
  await su.query(`ALTER TABLE access_log_batches DISABLE TRIGGER USER`);
  try {
    await change();
  } finally {
    await su.query(`ALTER TABLE access_log ENABLE TRIGGER USER`);
    await su.query(`ALTER TABLE access_log_batches ENABLE TRIGGER USER`);
  }
}

describe('verify --checkpoints', () => {
  test('the checkpoints the gateway wrote: one signed file per move of the head; two replicas in one folder; verify agrees (exit 0)', async () => {
    const s = await setup();
    const { su, dir, key, gw } = s;
    // A second replica with the same key writes beside the first; the head has not moved, so the first writes nothing more.
    const b: Checkpointer = await startCheckpointer(gw.stores.gateway, { dir, key, replica: 'replica-b', intervalMs: 3_600_000 });
    await reads(gw, 2);
    const seqB = (await b.checkpointNow())!.seq;
    expect(await b.checkpointNow()).toBeNull();
    await b.close();

    const { batches, rows } = await chainCounts(su);
    const { rows: [head] } = await su.query(`SELECT chain_seq::text AS seq FROM access_log_batches ORDER BY chain_seq DESC LIMIT 1`);
    expect(seqB).toBe(head.seq);
    const written = files(dir);
    expect(written.map((f) => f.file)).toEqual([
      ...s.seqs.map((seq) => expect.stringMatching(new RegExp(`^${seq.padStart(20, '0')}-\\d{8}T\\d{6}\\.\\d{3}Z-replica-a\\.checkpoint$`))),
      expect.stringMatching(new RegExp(`^${seqB.padStart(20, '0')}-\\d{8}T\\d{6}\\.\\d{3}Z-replica-b\\.checkpoint$`)),
    ]);
    for (const f of written) expect(fs.statSync(path.join(dir, f.file)).mode & 0o777).toBe(0o444);

    // Each file: the head as the database holds it, signed with the key (checked here with node:crypto).
    const publicKey: KeyObject = createPublicKey(key.privateKey);
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(ORIGIN), Buffer.from([0x0a, 0x01]), raw])).digest().subarray(0, 4);
    for (const f of written) {
      const seq = f.lines[1];
      const { rows: [at] } = await su.query(
        `SELECT (SELECT hash FROM access_log_batches WHERE chain_seq = $1) AS hash,
                (SELECT count(*)::int FROM access_log l JOIN access_log_batches b ON b.id = l.batch_id WHERE b.chain_seq <= $1) AS rows`, [seq]);
      const text = `${ORIGIN}\n${seq}\n${Buffer.from(at.hash, 'hex').toString('base64')}\nrows ${at.rows}\n${f.lines[4]}\n`;
      expect(f.lines[4]).toMatch(/^time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const sig = Buffer.from(f.lines[6].slice(`— ${ORIGIN} `.length), 'base64');
      expect(f.text).toBe(`${text}\n— ${ORIGIN} ${sig.toString('base64')}\n`);
      expect(sig.subarray(0, 4)).toEqual(keyId);
      expect(verify(null, Buffer.from(text), publicKey, sig.subarray(4))).toBe(true);
    }
    expect(fs.readFileSync(path.join(dir, 'checkpoint-key.vkey'), 'utf8')).toBe(`${ORIGIN}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}\n`);

    const newest = newestFile(dir, seqB);
    const expected = [
      `chain ok: ${batches} batches, ${rows} rows (from genesis)`,
      `checkpoints ok: 4 checkpoints signed by ${keyRef(key)} agree with the chain; the newest names batch ${seqB} with ${rows} rows, signed ${newest.time} (${newest.file})`,
      '',
    ].join('\n');
    expect(await verifyCli(gw, dir)).toEqual({ code: 0, stdout: expected, stderr: stderrFor(dir, key) });
    // The same with the public key pinned in the environment instead of the folder's file.
    const vkey = fs.readFileSync(path.join(dir, 'checkpoint-key.vkey'), 'utf8').trim();
    expect(await verifyCli(gw, dir, { GATEWAY_CHECKPOINT_PUBLIC_KEY: vkey })).toEqual({
      code: 0, stdout: expected, stderr: `audit: checkpoints signed by ${keyRef(key)} (public key from GATEWAY_CHECKPOINT_PUBLIC_KEY)\n`,
    });
  });

  test('the owner deletes the newest batch with its rows: the truncation is reported (exit 1)', async () => {
    const { su, dir, key, gw, seqs } = await setup();
    const last = seqs[2];
    await asOwner(su, async () => {
      await su.query(`DELETE FROM access_log WHERE batch_id = (SELECT id FROM access_log_batches WHERE chain_seq = $1)`, [last]);
      await su.query(`DELETE FROM access_log_batches WHERE chain_seq = $1`, [last]);
    });
    const { batches, rows } = await chainCounts(su);
    const newest = newestFile(dir, last);
    expect(await verifyCli(gw, dir)).toEqual({
      code: 1,
      stdout: [
        `chain ok: ${batches} batches, ${rows} rows (from genesis)`,
        `checkpoints BROKEN: batch ${last} missing: the log was truncated after batch ${BigInt(last) - 1n} (checkpoint ${newest.file} names batch ${last} with ${newest.rows} rows, signed ${newest.time})`,
        '',
      ].join('\n'),
      stderr: stderrFor(dir, key),
    });
  });

  test('the owner deletes one row in the middle: the chain breaks there, and the newest checkpoint counts more rows than the log holds (exit 1)', async () => {
    const { su, dir, key, gw, seqs } = await setup();
    const { rows: [victim] } = await su.query(
      `SELECT l.id::text AS id, b.id::text AS batch_id, b.row_count FROM access_log l JOIN access_log_batches b ON b.id = l.batch_id
       WHERE b.chain_seq > $1 AND b.chain_seq < $2 ORDER BY l.id LIMIT 1`, [seqs[0], seqs[1]]);
    const { rows: [{ before }] } = await su.query(`SELECT count(*)::int AS before FROM access_log`);
    await asOwner(su, async () => {
      await su.query(`DELETE FROM access_log WHERE id = $1`, [victim.id]);
    });
    const newest = newestFile(dir, seqs[2]);
    expect(await verifyCli(gw, dir)).toEqual({
      code: 1,
      stdout: [
        `chain BROKEN at batch ${victim.batch_id}: row count mismatch (expected ${victim.row_count}, got ${victim.row_count - 1})`,
        `checkpoints BROKEN: checkpoint ${newest.file} names ${before} rows up to batch ${seqs[2]}; the log holds ${before - 1} (${before - 1} in access_log, 0 pruned): rows were deleted`,
        '',
      ].join('\n'),
      stderr: stderrFor(dir, key),
    });
  });

  test('the owner changes a row and recomputes every hash after it: the chain verifies, the checkpoints do not (exit 1)', async () => {
    const { su, dir, key, gw, seqs } = await setup();
    // A DENY in a batch after the first checkpoint and at or before the second, turned into an ALLOW.
    const { rows: [row] } = await su.query(
      `SELECT l.id::text AS id, b.chain_seq::text AS seq FROM access_log l JOIN access_log_batches b ON b.id = l.batch_id
       WHERE l.effect = 'DENY' AND b.chain_seq > $1 AND b.chain_seq <= $2 ORDER BY l.id LIMIT 1`, [seqs[0], seqs[1]]);
    expect(row).toBeDefined();
    const signedHash = await hashOf(su, seqs[1]);
    await asOwner(su, async () => {
      await su.query(`UPDATE access_log SET effect = 'ALLOW', reason = NULL WHERE id = $1`, [row.id]);
      await rewriteChainFrom(su, row.seq);
    });
    const newHash = await hashOf(su, seqs[1]);
    expect(newHash).not.toBe(signedHash);
    const { batches, rows } = await chainCounts(su);
    const second = newestFile(dir, seqs[1]);
    const from = BigInt(seqs[0]) + 1n;
    expect(await verifyCli(gw, dir)).toEqual({
      code: 1,
      stdout: [
        `chain ok: ${batches} batches, ${rows} rows (from genesis)`,
        `checkpoints BROKEN: checkpoint ${second.file} names batch ${seqs[1]} whose hash is ${signedHash}, the chain has ${newHash}: ` +
          `the log was rewritten in ${from === BigInt(seqs[1]) ? `batch ${seqs[1]}` : `batches ${from} to ${seqs[1]}`} (batch ${seqs[0]} is the newest a checkpoint confirms)`,
        '',
      ].join('\n'),
      stderr: stderrFor(dir, key),
    });
  });

  test('a forged checkpoint is reported: one signed by another key, one with a flipped bit (exit 1)', async () => {
    const { su, dir, key, gw, seqs } = await setup();
    const { batches, rows } = await chainCounts(su);
    const chainLine = `chain ok: ${batches} batches, ${rows} rows (from genesis)`;

    // Someone without the key claims a longer log, signing with a key of their own under the same name.
    const other = signingKey(ORIGIN, generateKeyPairSync('ed25519').privateKey);
    const claim = signCheckpoint({ origin: ORIGIN, seq: String(BigInt(seqs[2]) + 5n), hash: 'cd'.repeat(32), rows: String(rows + 50), time: new Date() }, other);
    const forged = `${String(BigInt(seqs[2]) + 5n).padStart(20, '0')}-20990101T000000.000Z-replica-x.checkpoint`;
    fs.writeFileSync(path.join(dir, forged), claim);
    expect(await verifyCli(gw, dir)).toEqual({
      code: 1,
      stdout: `${chainLine}\ncheckpoints BROKEN: checkpoint ${forged} is forged: it is not signed by ${keyRef(key)} (its signatures: ${ORIGIN}+${other.id})\n`,
      stderr: stderrFor(dir, key),
    });
    fs.rmSync(path.join(dir, forged));

    // A genuine checkpoint with one bit flipped in its row count, beside the original.
    const original = files(dir)[1];
    const bytes = Buffer.from(original.text, 'utf8');
    const at = original.text.indexOf('\nrows ') + '\nrows '.length;
    bytes[at] ^= 0x01;
    const altered = original.file.replace('-replica-a', '-replica-z');
    fs.writeFileSync(path.join(dir, altered), bytes);
    expect(await verifyCli(gw, dir)).toEqual({
      code: 1,
      stdout: `${chainLine}\ncheckpoints BROKEN: checkpoint ${altered} is forged: its signature by ${keyRef(key)} does not verify (the note was altered, or signed by another key)\n`,
      stderr: stderrFor(dir, key),
    });
  });

  test('checkpoints older than a prune are still accepted: their batches are kept, their rows counted as pruned (exit 0)', async () => {
    // History first: a batch of 2020, checkpointed, then the log through the gateway.
    const old: LogRow[] = [0, 1, 2].map((i) => ({
      at: new Date('2020-01-15T09:59:59.001Z'), requestId: `req-old-${i}`, caller: 'crm-service', roles: ['service'], purpose: 'account_management',
      justification: null, clientAddress: null, policyHash: 'f'.repeat(64), customerId: ADULT.id, typeName: 'Customer', fieldPath: 'customer',
      fields: ['firstName'], category: 'identity.name', effect: 'ALLOW', reason: null, rule: 'purposes.account_management.lawful_basis', ...SINGLE_CATEGORY,
    }));
    let oldSeq = '';
    const s = await setup({
      before: async ({ gw, dir, key, su }) => {
        const ds = gw.stores.gateway;
        await su.query(`CREATE TABLE access_log_2020_01 PARTITION OF access_log FOR VALUES FROM ('2020-01-01T00:00:00Z') TO ('2020-02-01T00:00:00Z')`);
        const loggedAt = new Date('2020-01-15T10:00:00.123Z');
        await ds.transaction(async (m) => {
          const [{ id }] = await m.query(`SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id'))::text AS id`);
          await insertLogRows(m, id, loggedAt, old);
          await m.query(`INSERT INTO access_log_batches (id, chain_seq, logged_at, prev_hash, hash, row_count) OVERRIDING SYSTEM VALUE VALUES ($1, 1, $2, $3, $4, 3)`,
            [id, loggedAt, GENESIS_HASH, batchHash(GENESIS_HASH, id, loggedAt, old)]);
        });
        const cp = await startCheckpointer(ds, { dir, key, replica: 'replica-old', intervalMs: 3_600_000 });
        oldSeq = (await cp.checkpointNow())!.seq;
        await cp.close();
      },
    });
    const { su, dir, key, gw, seqs } = s;
    expect(oldSeq).toBe('1');
    // The prune, as `npm run audit -- prune --before 2021-01-01` does it: the partition dropped, recorded.
    await su.query(`BEGIN`);
    await su.query(`INSERT INTO access_log_prunes (partition_name, range_start, range_end, row_count, pruned_by) VALUES ('access_log_2020_01', '2020-01-01T00:00:00Z', '2020-02-01T00:00:00Z', 3, 'test')`);
    await su.query(`DROP TABLE access_log_2020_01`);
    await su.query(`COMMIT`);

    const { batches, rows } = await chainCounts(su);
    const { rows: [anchor] } = await su.query(`SELECT id::text AS id, prev_hash FROM access_log_batches WHERE chain_seq = 2`);
    const newest = newestFile(dir, seqs[2]);
    expect(await verifyCli(gw, dir)).toEqual({
      code: 0,
      stdout: [
        `chain ok: ${batches - 1} batches, ${rows} rows (anchored at batch ${anchor.id}, the first kept after a prune; its prev_hash ${anchor.prev_hash} is trusted)`,
        `checkpoints ok: 4 checkpoints signed by ${keyRef(key)} agree with the chain, 1 of them naming batches whose rows were pruned; ` +
          `the newest names batch ${seqs[2]} with ${rows + 3} rows, signed ${newest.time} (${newest.file})`,
        '',
      ].join('\n'),
      stderr: stderrFor(dir, key),
    });
  });
});

describe('the copies outside the folder', () => {
  test('a witness gets each checkpoint POSTed; one that refuses is logged by status and sent it again at the next tick; the JSON log has each note', async () => {
    const gw = await startTestGateway();
    await insertCustomers(gw.stores, [ADULT, MINOR]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoints-'));
    const key = signingKey(ORIGIN, generateKeyPairSync('ed25519').privateKey);
    const received: { type: string | undefined; body: string; answered: number }[] = [];
    let answers = [503];
    const witness = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const status = answers.shift() ?? 200;
        received.push({ type: req.headers['content-type'], body, answered: status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => witness.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(witness.address() as AddressInfo).port}/checkpoints`;
    const lines: Record<string, unknown>[] = [];
    const realWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      return true;
    }) as typeof process.stderr.write;
    setLogLevel('info');
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(what()).toBe(true);
    };
    try {
      const cp = await startCheckpointer(gw.stores.gateway, { dir, key, replica: 'replica-w', intervalMs: 3_600_000, witnessUrl: url });
      await reads(gw, 2);
      const first = (await cp.checkpointNow())!;
      await until(() => lines.some((l) => l.msg === 'checkpoint witness refused'));
      expect(await cp.checkpointNow()).toBeNull(); // the head has not moved: no new file, the witness is sent the note again
      await until(() => received.length === 2);
      await reads(gw, 1);
      const second = (await cp.checkpointNow())!;
      await until(() => received.length === 3);
      await cp.close();
      answers = [];
      expect(received).toEqual([
        { type: 'text/plain; charset=utf-8', body: first.note, answered: 503 },
        { type: 'text/plain; charset=utf-8', body: first.note, answered: 200 },
        { type: 'text/plain; charset=utf-8', body: second.note, answered: 200 },
      ]);
      expect(files(dir).map((f) => f.text)).toEqual([first.note, second.note]);

      // A witness that is not there: logged by its error code; the checkpoint is still written.
      const closed = await new Promise<number>((resolve) => {
        const srv = http.createServer().listen(0, '127.0.0.1', () => {
          const { port } = srv.address() as AddressInfo;
          srv.close(() => resolve(port));
        });
      });
      const gone = await startCheckpointer(gw.stores.gateway, { dir, key, replica: 'replica-v', intervalMs: 3_600_000, witnessUrl: `http://127.0.0.1:${closed}/checkpoints` });
      await reads(gw, 1);
      const third = (await gone.checkpointNow())!;
      await gone.close();
      expect(files(dir).map((f) => f.text)).toEqual([first.note, second.note, third.note]);

      const logged = lines.filter((l) => /checkpoint|witness/.test(String(l.msg))).map(({ time: _t, ...l }) => l);
      const entry = (c: typeof first) => ({
        level: 'info', msg: 'access-log checkpoint', origin: ORIGIN, seq: c.seq, rows: c.rows, hash: c.hash, signedAt: c.time.toISOString(),
        file: c.file, key: `${ORIGIN}+${key.id}`, note: c.note,
      });
      expect(logged).toEqual([
        entry(first),
        { level: 'warn', msg: 'checkpoint witness refused', status: 503 },
        entry(second),
        entry(third),
        { level: 'warn', msg: 'checkpoint witness unreachable', error: 'ECONNREFUSED' },
      ]);
    } finally {
      process.stderr.write = realWrite;
      setLogLevel('silent');
      await new Promise<void>((resolve) => witness.close(() => resolve()));
      await gw.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('a running checkpointer that finds the head it signed gone or rewritten logs an alarm, then signs the head as it is', async () => {
  const { su, dir, key, gw } = await setup();
  const lines: Record<string, unknown>[] = [];
  const realWrite = process.stderr.write.bind(process.stderr);
  const cp = await startCheckpointer(gw.stores.gateway, { dir, key, replica: 'replica-c', intervalMs: 3_600_000 });
  process.stderr.write = ((chunk: string | Uint8Array) => {
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    return true;
  }) as typeof process.stderr.write;
  setLogLevel('error');
  try {
    await reads(gw, 1);
    const signed = (await cp.checkpointNow())!;
    await asOwner(su, async () => {
      await su.query(`DELETE FROM access_log WHERE batch_id = (SELECT id FROM access_log_batches WHERE chain_seq = $1)`, [signed.seq]);
      await su.query(`DELETE FROM access_log_batches WHERE chain_seq = $1`, [signed.seq]);
    });
    const after = (await cp.checkpointNow())!;
    const { rows: [now] } = await su.query(`SELECT max(chain_seq)::text AS seq, (SELECT count(*)::text FROM access_log) AS rows FROM access_log_batches`);
    expect({ seq: after.seq, rows: after.rows }).toEqual({ seq: now.seq, rows: now.rows });

    const headHash = await hashOf(su, now.seq);
    await asOwner(su, async () => {
      await su.query(`UPDATE access_log SET caller = 'someone-else' WHERE batch_id = (SELECT id FROM access_log_batches WHERE chain_seq = $1)`, [now.seq]);
      await rewriteChainFrom(su, now.seq);
    });
    const rewritten = (await cp.checkpointNow())!;
    expect({ seq: rewritten.seq, hash: rewritten.hash }).toEqual({ seq: now.seq, hash: await hashOf(su, now.seq) });
    await cp.close();
    expect(lines.map(({ time: _t, ...l }) => l)).toEqual([
      { level: 'error', msg: 'access-log chain head moved back', from: signed.seq, to: now.seq },
      { level: 'error', msg: 'access-log chain head rewritten', seq: now.seq, signed: headHash, now: rewritten.hash },
    ]);
  } finally {
    process.stderr.write = realWrite;
    setLogLevel('silent');
  }
});

/** The attacker's rewrite: every batch from `seq` on re-linked and re-hashed from its rows as they now are (hash format 2). */
async function rewriteChainFrom(su: Client, seq: string): Promise<void> {
  const { rows: batches } = await su.query(
    `SELECT id::text AS id, chain_seq::text AS seq, logged_at, prev_hash FROM access_log_batches WHERE chain_seq >= $1 ORDER BY chain_seq`, [seq]);
  let prev: string = batches[0].prev_hash;
  for (const b of batches) {
    const { rows } = await su.query(
      `SELECT at, request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, type_name, field_path,
              fields, category, effect, reason, rule, categories, category_types, category_field_ends
       FROM access_log WHERE batch_id = $1 ORDER BY id`, [b.id]);
    const content = batchContent(rows.map(toLogRow).map((r) => ({
      meta: r,
      rows: [{ customerId: r.customerId, fieldPath: r.fieldPath, effect: r.effect, reason: r.reason, rule: r.rule,
        categories: r.categories ?? [], categoryTypes: r.categoryTypes ?? [], categoryFieldEnds: r.categoryFieldEnds ?? [], fields: r.fields }],
    })));
    const hash = linkedHash(prev, batchHeader(b.id, b.logged_at, rows.length, contentDigest(content)));
    await su.query(`UPDATE access_log_batches SET prev_hash = $2, hash = $3 WHERE id = $1`, [b.id, prev, hash]);
    prev = hash;
  }
}
