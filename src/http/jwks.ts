import { createLocalJWKSet, errors as joseErrors, JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { log } from '../log';

/**
 * Production's key set (GATEWAY_JWKS_URL), fetched with a bound on the whole exchange.
 *
 * jose's createRemoteJWKSet (v5) bounds only the wait for the response's headers: a key-set server
 * that sends its headers and then stalls the body holds the fetch, which jose shares between all
 * requests, for ever, and a failed fetch surfaces as an error indistinguishable from a bad token.
 * Here the fetch (connection, headers and body, at most MAX_BYTES) has one deadline,
 * GATEWAY_JWKS_TIMEOUT_MS, and any failure to get a usable key set is a `KeySetUnavailable`,
 * which the authenticator answers 503 AUTH_UNAVAILABLE: an identity provider outage is not a bad
 * token. Caching follows jose's: the set is used for CACHE_MAX_AGE_MS, a token whose `kid` is not
 * in it makes one new fetch at most every COOLDOWN_MS, and concurrent requests share one fetch.
 * A request never waits longer than the deadline of the fetch it joins.
 */
export class KeySetUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`key set unavailable: ${reason}`);
    this.name = 'KeySetUnavailable';
  }
}

const CACHE_MAX_AGE_MS = 10 * 60_000;
const COOLDOWN_MS = 30_000;
/** A key set is a few KB; anything much larger is not one. */
const MAX_BYTES = 512 * 1024;

type LocalSet = ReturnType<typeof createLocalJWKSet>;

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new KeySetUnavailable('response too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function fetchKeySet(url: URL, timeoutMs: number): Promise<LocalSet> {
  let res: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(url, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
  } catch (err) {
    throw new KeySetUnavailable(signal.aborted ? 'timeout' : `unreachable (${(err as { cause?: { code?: string } }).cause?.code ?? 'network error'})`);
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new KeySetUnavailable(`HTTP ${res.status}`);
  }
  let text: string;
  try {
    text = await readCapped(res);
  } catch (err) {
    if (err instanceof KeySetUnavailable) throw err;
    throw new KeySetUnavailable(signal.aborted ? 'timeout' : 'response cut short');
  }
  try {
    return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
  } catch {
    throw new KeySetUnavailable('not a JSON Web Key Set');
  }
}

export function remoteKeySet(url: URL, timeoutMs: number): JWTVerifyGetKey {
  let local: LocalSet | null = null;
  let fetchedAt = 0;
  let pending: Promise<void> | null = null;
  const reload = (): Promise<void> =>
    (pending ??= fetchKeySet(url, timeoutMs).then(
      (set) => {
        local = set;
        fetchedAt = Date.now();
        pending = null;
      },
      (err: unknown) => {
        pending = null;
        log.warn('key set unavailable', { reason: err instanceof KeySetUnavailable ? err.reason : 'unknown' });
        throw err instanceof KeySetUnavailable ? err : new KeySetUnavailable('unknown');
      },
    ));
  return async (header, token) => {
    if (!local || Date.now() - fetchedAt >= CACHE_MAX_AGE_MS) await reload();
    try {
      return await local!(header, token);
    } catch (err) {
      // A key the set does not hold: perhaps rotated in since; fetched again at most every COOLDOWN_MS.
      if (err instanceof joseErrors.JWKSNoMatchingKey && Date.now() - fetchedAt >= COOLDOWN_MS) {
        await reload();
        return local!(header, token);
      }
      throw err;
    }
  };
}
