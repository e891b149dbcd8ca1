import { instantBetween, iso, YEAR } from './clock';
import type { Person } from './generate-person';
import { Rng } from './prng';
import type { SeedConsentEvent } from './types';

/** Under this age (Thai age of majority) a consent must come from a guardian. */
const MINOR_AGE = 20;

/**
 * Gateway consent history of one customer, for each consent-based purpose of the policy pack:
 * about half of adults granted it themselves (some explicitly), about 30% of minors have a
 * guardian's grant; a tenth of grants were later withdrawn, and some grants carry an expiry
 * that has already passed. Each purpose has its own random stream, so the events of one purpose
 * do not change when the pack gains or loses another purpose.
 */
export function generateConsents(streamKey: string, p: Person, purposes: readonly string[], nowMs: number): SeedConsentEvent[] {
  const out: SeedConsentEvent[] = [];
  const minor = p.age < MINOR_AGE;
  for (const purpose of purposes) {
    const rng = new Rng(`${streamKey}:consent:${purpose}`);
    if (!rng.chance(minor ? 0.3 : 0.5)) continue;
    const givenBy = minor ? 'guardian' : 'subject';
    const granted = instantBetween(rng, p.signupMs, nowMs);
    const expiresAt = rng.chance(0.25) ? iso(granted + rng.int(1, 2) * YEAR) : null;
    const common = { purpose, givenBy, explicit: rng.chance(0.4), expiresAt, recordedBy: 'seed', source: 'signup_form' } as const;
    out.push({ ...common, action: 'grant', recordedAt: iso(granted) });
    if (rng.chance(0.1)) {
      out.push({ ...common, action: 'withdraw', expiresAt: null, recordedAt: iso(instantBetween(rng, granted, nowMs)) });
    }
  }
  return out;
}
