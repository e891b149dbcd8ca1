import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, JWTVerifyGetKey } from 'jose';
import { Config } from '../config';
import { GatewayError, unauthenticated } from '../errors';
import { KeySetUnavailable, remoteKeySet } from './jwks';
import { ROLES, Role } from '../policy/pack.types';

/**
 * Caller authentication. Every request carries `Authorization: Bearer <JWT>`; `sub` is the calling
 * service, `roles` its roles. Development verifies HS256 with a secret kept in the data folder;
 * production verifies RS256/ES256 against GATEWAY_JWKS_URL. Only the listed algorithms are
 * accepted, so `alg: none` and algorithm-confusion tokens fail.
 *
 * Beyond the signature, `aud` (and `iss` if set), `exp` and `nbf` (with GATEWAY_JWT_CLOCK_SKEW_S of
 * tolerance): a token may not be issued in the future (`iat` later than now plus the skew) nor be
 * valid for longer than GATEWAY_JWT_MAX_LIFETIME_S (`exp - iat`); production requires `iat`, and
 * a development token without it is measured from now (`exp - now`). A key set that cannot be
 * fetched (jwks.ts) is 503 AUTH_UNAVAILABLE, not 401: the token was not judged.
 */
export interface Caller {
  readonly id: string;
  readonly roles: readonly Role[];
}

export type Authenticator = (authorization: string | undefined) => Promise<Caller>;

/** The development HS256 secret: GATEWAY_JWT_SECRET, else generated once into dataDir/jwt-secret. */
export function devSecret(config: Config): Uint8Array {
  if (config.auth.devSecret) return new TextEncoder().encode(config.auth.devSecret);
  const file = path.join(config.dataDir, 'jwt-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return new TextEncoder().encode(fs.readFileSync(file, 'utf8').trim());
}

export function createAuthenticator(config: Config): Authenticator {
  const { maxLifetimeSeconds, clockSkewSeconds } = config.auth;
  const requireIat = config.env === 'production';
  const options = {
    audience: config.auth.audience, ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}), requiredClaims: ['sub', 'exp'], clockTolerance: clockSkewSeconds,
  };
  let verify: (token: string) => Promise<{ payload: Record<string, unknown> }>;
  if (config.auth.jwksUrl) {
    const jwks: JWTVerifyGetKey = remoteKeySet(new URL(config.auth.jwksUrl), config.auth.jwksTimeoutMs);
    verify = (t) => jwtVerify(t, jwks, { ...options, algorithms: ['RS256', 'ES256'] });
  } else {
    const secret = devSecret(config);
    verify = (t) => jwtVerify(t, secret, { ...options, algorithms: ['HS256'] });
  }

  return async (authorization) => {
    if (!authorization) throw unauthenticated('missing Authorization header');
    const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization.trim());
    if (!m) throw unauthenticated('Authorization must be "Bearer <JWT>"');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await verify(m[1]));
    } catch (err) {
      if (err instanceof KeySetUnavailable) {
        throw new GatewayError('AUTH_UNAVAILABLE', 'Authentication is unavailable: the identity provider\'s key set could not be fetched; retry later');
      }
      throw unauthenticated(reasonOf(err));
    }
    // jose checked that iat, if present, is a number, and exp is one.
    const now = Math.floor(Date.now() / 1000);
    const iat = payload.iat as number | undefined;
    if (iat === undefined && requireIat) throw unauthenticated('claim "iat" is missing');
    if (iat !== undefined && iat > now + clockSkewSeconds) throw unauthenticated('token issued in the future');
    if ((payload.exp as number) - (iat ?? now) > maxLifetimeSeconds) throw unauthenticated('token lifetime exceeds the maximum');
    const sub = payload.sub;
    if (typeof sub !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,127}$/.test(sub)) throw unauthenticated('sub must be a service id');
    const roles = payload.roles ?? [];
    if (!Array.isArray(roles) || roles.some((r) => !(ROLES as readonly string[]).includes(r))) {
      throw unauthenticated(`roles must be an array of ${ROLES.join(', ')}`);
    }
    return { id: sub, roles: roles as Role[] };
  };
}

/** A short, fixed explanation: never echoes the token or its claims. */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim "${err.claim}" is invalid`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no matching key';
  return 'malformed token';
}
