/**
 * A token bucket per caller (the token's `sub`): each caller may send `burst` requests at once,
 * refilled at `perSecond` requests per second. In memory, per replica: with N replicas behind a
 * Service a caller can get up to N times the rate; set it per replica accordingly. A restart
 * forgets the buckets (every caller starts full).
 *
 * Only authenticated requests are counted (the caller is known once the token is verified); a
 * request refused here has done no other work (no body read, no SQL).
 */
export interface RateLimit {
  /** Requests per second refilled per caller; 0 turns the limit off. */
  perSecond: number;
  /** Requests a caller may send at once (the bucket's size). */
  burst: number;
}

export interface RateLimiter {
  /** Takes one request from the caller's bucket: 0 if allowed, else the seconds (>= 1) until one is. */
  take(caller: string): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before idle ones (refilled to full, so equal to a fresh one) are dropped. */
const SWEEP_AT = 10_000;

export function createRateLimiter(limit: RateLimit, now: () => number = () => performance.now()): RateLimiter | null {
  if (limit.perSecond <= 0) return null;
  const { perSecond, burst } = limit;
  const buckets = new Map<string, Bucket>();

  const refill = (b: Bucket, t: number) => {
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
  };

  return {
    take(caller) {
      const t = now();
      let b = buckets.get(caller);
      if (!b) {
        if (buckets.size >= SWEEP_AT) {
          for (const [k, v] of buckets) {
            refill(v, t);
            if (v.tokens >= burst) buckets.delete(k);
          }
        }
        b = { tokens: burst, at: t };
        buckets.set(caller, b);
      } else {
        refill(b, t);
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil(((1 - b.tokens) / perSecond)));
    },
  };
}
