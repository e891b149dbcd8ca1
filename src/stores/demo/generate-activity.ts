import type { Source } from '../provenance';
import { DAY, instantBetween, iso, MINUTE, wholeSecond, YEAR } from './clock';
import type { Person } from './generate-person';
import { slug } from './generate-person';
import type { Rng } from './prng';
import type { SeedAccount, SeedCallLog, SeedCommunication, SeedHealthDeclaration, SeedLoginEvent, SeedPhone } from './types';
import {
  SUPPORT_REPLIES, SUPPORT_TEXTS, SYMPTOMS, TEST_RESULTS, TRAVEL_PLACES, USER_AGENTS, VACCINATION_STATUSES,
} from './vocab-activity';

/**
 * What a customer did: their login account and its logins, support conversations, calls and
 * office-visit health declarations. Each record's collection time is when it happened.
 */

/** Prefixes of Thai ISPs' address blocks, so login addresses look like real home and mobile lines. */
const IPV4_PREFIXES: readonly string[] = ['1.46', '27.55', '49.228', '49.230', '58.8', '58.11', '110.164', '110.169', '124.120', '171.96', '171.100', '182.232', '183.88', '184.22'];
const IPV6_PREFIXES: readonly string[] = ['2405:9800', '2403:6200', '2001:fb1', '2001:44c8'];

/**
 * The login account. The username embeds the customer number and the seed, so it is unique across
 * seeds (the column is UNIQUE): `<letters>_<letters><index+1>_<seed>` parses back unambiguously.
 */
export function generateAccount(rng: Rng, p: Person, index: number, seed: number, nowMs: number): SeedAccount {
  const viaLogin: readonly Source[] = ['signup_form', 'facebook_login', 'google_login'];
  const fromSignup = viaLogin.includes(p.customer.source);
  return {
    username: `${slug(p.romanFirst) || 'user'}_${(slug(p.romanLast) || 'x').slice(0, 4)}${index + 1}_${seed}`,
    source: fromSignup ? p.customer.source : 'signup_form',
    collectedAt: fromSignup ? p.customer.collectedAt : iso(instantBetween(rng, p.signupMs, nowMs)),
  };
}

function ipAddress(rng: Rng): string {
  if (rng.chance(0.7)) return `${rng.pick(IPV4_PREFIXES)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  const groups: string[] = [];
  for (let i = 0; i < 6; i++) groups.push(rng.int(0, 0xffff).toString(16));
  return `${rng.pick(IPV6_PREFIXES)}:${groups.join(':')}`;
}

/** 0-20 logins over the last two years (never before sign-up), from 1-3 usual addresses and devices. */
export function generateLogins(rng: Rng, p: Person, nowMs: number): SeedLoginEvent[] {
  const count = rng.int(0, 20);
  if (count === 0) return [];
  const ips = [ipAddress(rng), ipAddress(rng), ipAddress(rng)].slice(0, rng.int(1, 3));
  const agents = rng.sample(USER_AGENTS, rng.int(1, 2));
  const from = Math.max(p.signupMs, nowMs - 2 * YEAR);
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(instantBetween(rng, from, nowMs));
  times.sort((a, b) => a - b);
  return times.map((t) => ({
    ipAddress: rng.chance(0.9) ? rng.pick(ips) : ipAddress(rng),
    userAgent: rng.pick(agents),
    occurredAt: iso(t),
    source: 'automatic',
    collectedAt: iso(t),
  }));
}

/** 0-5 tickets and chats. Texts are fixed templates: a body never carries another personal value. */
export function generateCommunications(rng: Rng, p: Person, nowMs: number): SeedCommunication[] {
  const count = rng.weighted([[0, 40], [1, 25], [2, 15], [3, 10], [4, 6], [5, 4]]);
  const out: SeedCommunication[] = [];
  for (let i = 0; i < count; i++) {
    const t = iso(instantBetween(rng, p.signupMs, nowMs));
    const [subject, body] = rng.pick(SUPPORT_TEXTS);
    out.push({
      channel: rng.chance(0.6) ? 'ticket' : 'chat',
      subject,
      body: rng.chance(0.5) ? body + rng.pick(SUPPORT_REPLIES) : body,
      occurredAt: t,
      source: 'support',
      collectedAt: t,
    });
  }
  return out.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
}

/** 0-4 calls with support, from or to one of the customer's own numbers. */
export function generateCallLogs(rng: Rng, p: Person, phones: readonly SeedPhone[], nowMs: number): SeedCallLog[] {
  const count = rng.weighted([[0, 45], [1, 25], [2, 15], [3, 10], [4, 5]]);
  const out: SeedCallLog[] = [];
  for (let i = 0; i < count; i++) {
    const t = iso(instantBetween(rng, p.signupMs, nowMs));
    out.push({
      phoneNumber: rng.pick(phones).number,
      direction: rng.chance(0.7) ? 'inbound' : 'outbound',
      startedAt: t,
      durationSeconds: rng.chance(0.1) ? rng.int(5, 30) : rng.int(30, 1500),
      source: 'support',
      collectedAt: t,
    });
  }
  return out.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
}

/** ~15% of customers filled in 1-2 health declarations when visiting an office. */
export function generateHealthDeclarations(rng: Rng, p: Person, nowMs: number): SeedHealthDeclaration[] {
  if (!rng.chance(0.15)) return [];
  const count = rng.chance(0.3) ? 2 : 1;
  const out: SeedHealthDeclaration[] = [];
  for (let i = 0; i < count; i++) {
    // Visits happen in office hours: round to the day, then add 9:00-17:00.
    const day = Math.floor(instantBetween(rng, Math.max(p.signupMs, nowMs - 6 * YEAR), nowMs - DAY) / DAY) * DAY;
    const visited = Math.min(Math.max(day + 9 * 60 * MINUTE + rng.int(0, 8 * 60) * MINUTE, p.signupMs), wholeSecond(nowMs));
    const fever = rng.chance(0.08);
    const tenths = fever ? rng.int(375, 385) : rng.weighted([[rng.int(358, 359), 5], [rng.int(360, 372), 90], [rng.int(373, 374), 5]]);
    const symptoms = fever || rng.chance(0.12) ? rng.sample(SYMPTOMS, rng.int(1, 3)) : [];
    const t = iso(visited);
    out.push({
      visitedAt: t,
      temperatureC: `${Math.floor(tenths / 10)}.${tenths % 10}`,
      symptoms,
      exposure: rng.chance(0.1),
      vaccinationStatus: rng.weighted(VACCINATION_STATUSES),
      testResult: rng.weighted(TEST_RESULTS),
      recentTravel: rng.chance(0.25) ? rng.pick(TRAVEL_PLACES) : null,
      source: 'office_visit',
      collectedAt: t,
    });
  }
  return out.sort((a, b) => (a.visitedAt < b.visitedAt ? -1 : a.visitedAt > b.visitedAt ? 1 : 0));
}
