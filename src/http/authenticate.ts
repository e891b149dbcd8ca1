import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, JWTVerifyGetKey } from 'jose';
import { Config } from '../config';
import { unauthenticated } from '../errors';
import { ROLES, Role } from '../policy/pack.types';

/**
 * Caller authentication. Every request carries `Authorization: Bearer <JWT>`; `sub` is the calling
 * service, `roles` its roles. Development verifies HS256 with a secret kept in the data folder;
 * production verifies RS256/ES256 against GATEWAY_JWKS_URL. Only the listed algorithms are
 * accepted, so `alg: none` and algorithm-confusion tokens fail.
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
  const options = { audience: config.auth.audience, ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}), requiredClaims: ['sub', 'exp'] };
  let verify: (token: string) => Promise<{ payload: Record<string, unknown> }>;
  if (config.auth.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.auth.jwksUrl));
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
      throw unauthenticated(reasonOf(err));
    }
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
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSEError && err.code === 'ERR_JWKS_INVALID') return 'key set unavailable';
  return 'malformed token';
}
