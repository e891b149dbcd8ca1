import { generateAccount, generateCallLogs, generateCommunications, generateHealthDeclarations, generateLogins } from './generate-activity';
import { generateOrders, generatePaymentMeans } from './generate-billing';
import { generateConsents } from './generate-consent';
import { generateContacts, generatePerson } from './generate-person';
import { Rng } from './prng';
import type { SeedSubject } from './types';

/**
 * Synthetic data subjects for development, demos and load tests. Pure: no I/O, no wall clock, no
 * Math.random. The same (index, seed, now, consentPurposes) always gives the same subject, byte
 * for byte, so a dataset can be rebuilt anywhere from its command line, and a loader can skip
 * what is already there.
 *
 * `now` is the reference instant: every collected_at, login, order and consent is at or before
 * it, and ages (minors) are counted on it. The CLI passes a fixed date (`--now`, default today at
 * 00:00 UTC) so two runs on the same day produce identical data.
 *
 * Each section (identity, contacts, activity, billing, consents) draws from its own stream keyed
 * by (seed, index, section), so changing how one section is generated does not reshuffle the
 * others.
 */

/** The customer id of the subject at `index` (0-based) for `seed`: different seeds never collide. */
export function customerId(index: number, seed: number): string {
  return `cus_${seed}_${String(index + 1).padStart(6, '0')}`;
}

/** Largest seed accepted: seeds are 32-bit so they print short in ids. */
export const MAX_SEED = 0xffffffff;

/** One synthetic customer with every child row in the CRM, billing and gateway stores. */
export function generateCustomer(index: number, seed: number, now: Date, consentPurposes: readonly string[] = []): SeedSubject {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`index must be a non-negative integer, got ${index}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new RangeError(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
  if (Number.isNaN(now.getTime())) throw new RangeError('now is not a valid date');
  const nowMs = now.getTime();
  const key = `${seed}:${index}`;

  const person = generatePerson(new Rng(`${key}:person`), customerId(index, seed), now);
  const contacts = generateContacts(new Rng(`${key}:contacts`), person, index, now);
  const activity = new Rng(`${key}:activity`);
  const account = generateAccount(activity, person, index, seed, nowMs);
  const loginEvents = generateLogins(activity, person, nowMs);
  const communications = generateCommunications(activity, person, nowMs);
  const callLogs = generateCallLogs(activity, person, contacts.phones, nowMs);
  const healthDeclarations = generateHealthDeclarations(new Rng(`${key}:health`), person, nowMs);
  const billingRng = new Rng(`${key}:billing`);
  const { bankAccounts, paymentCards } = generatePaymentMeans(billingRng, person, nowMs);
  const orders = generateOrders(billingRng, person, contacts.postalAddresses[0], index, seed, nowMs);

  return {
    customer: person.customer,
    crm: { ...contacts, account, loginEvents, communications, callLogs, healthDeclarations },
    billing: { bankAccounts, paymentCards, orders },
    gateway: { consentEvents: generateConsents(key, person, consentPurposes, nowMs) },
  };
}

/** The default reference date of the CLI: the current UTC day at 00:00, so same-day runs agree. */
export function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
