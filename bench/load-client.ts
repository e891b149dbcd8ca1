import http from 'node:http';
import { OpKind, PlannedRequest } from './load-mix';

/**
 * The client side of `npm run load`: one request over a keep-alive agent, timed and classified
 * into an Outcome, and a phase of concurrent clients sending requests back to back until a deadline.
 */

const REQUEST_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// Results

export interface Outcome {
  kind: OpKind;
  caller: string;
  ms: number;
  requestId: string | null;
  /** Null when the answer is what the contract promises (including per-field refusals). */
  error: string | null;
  refusals: number;
  /** The answer carried personal data or decisions: its request id must have access-log rows. */
  mustBeLogged: boolean;
  logged: boolean;
}

/** A 200 answer is an error unless every GraphQL error in it is a per-field FORBIDDEN_BY_POLICY and the root field is there. */
function classify(req: PlannedRequest, status: number, text: string): Pick<Outcome, 'error' | 'refusals' | 'mustBeLogged'> {
  let body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: unknown } }[] } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    // reported below
  }
  const codes = (body?.errors ?? []).map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'NO_CODE'));
  if (status !== 200) return { error: `HTTP ${status} ${codes[0] ?? (body ? 'no code' : 'non-JSON body')}`, refusals: 0, mustBeLogged: false };
  if (!body) return { error: 'HTTP 200 non-JSON body', refusals: 0, mustBeLogged: false };
  const other = codes.find((c) => c !== 'FORBIDDEN_BY_POLICY');
  const refusals = codes.filter((c) => c === 'FORBIDDEN_BY_POLICY').length;
  if (other) return { error: `HTTP 200 ${other}`, refusals, mustBeLogged: false };
  const root = body.data ? Object.values(body.data)[0] : null;
  if (root === null || root === undefined) return { error: 'HTTP 200 no data', refusals, mustBeLogged: false };
  const carried = Array.isArray(root) ? root.some((x) => x !== null) : true;
  return { error: null, refusals, mustBeLogged: req.logged && carried };
}

// ---------------------------------------------------------------------------------------------
// The client side

function post(agent: http.Agent, port: number, req: PlannedRequest, token: string): Promise<Outcome> {
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const headers: Record<string, string> = {
    'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-justification': 'npm run load',
    'content-length': String(Buffer.byteLength(req.body)),
  };
  if (req.purpose) headers['x-purpose'] = req.purpose;
  return new Promise((resolve) => {
    const h = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql', agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: req.kind, caller: req.actor.caller, ms: elapsed(), requestId: null, error: `transport ${err.code ?? err.message}`, refusals: 0, mustBeLogged: false, logged: req.logged }));
      res.on('end', () => {
        const requestId = typeof res.headers['x-request-id'] === 'string' ? res.headers['x-request-id'] : null;
        const c = classify(req, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
        if (!c.error && !requestId) c.error = `HTTP ${res.statusCode} no x-request-id`;
        resolve({ kind: req.kind, caller: req.actor.caller, ms: elapsed(), requestId, ...c, logged: req.logged });
      });
    });
    h.on('timeout', () => h.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    h.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: req.kind, caller: req.actor.caller, ms: elapsed(), requestId: null, error: `transport ${err.code ?? err.message}`, refusals: 0, mustBeLogged: false, logged: req.logged }));
    h.end(req.body);
  });
}

export async function drivePhase(opts: { port: number; clients: number; seconds: number; next: () => PlannedRequest; tokens: Map<string, string>; stop: () => boolean }): Promise<{ outcomes: Outcome[]; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.clients });
  const outcomes: Outcome[] = [];
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(opts.seconds * 1e9));
  await Promise.all(
    Array.from({ length: opts.clients }, async () => {
      while (process.hrtime.bigint() < deadline && !opts.stop()) {
        const req = opts.next();
        outcomes.push(await post(agent, opts.port, req, opts.tokens.get(req.actor.caller)!));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { outcomes, seconds };
}
