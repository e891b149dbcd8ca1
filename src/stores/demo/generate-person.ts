import type { Source } from '../provenance';
import { dateOfBirthForAge, DAY, instantBetween, iso, wholeSecond, YEAR } from './clock';
import type { Rng } from './prng';
import type { SeedCustomer, SeedEmail, SeedPhone, SeedPostalAddress, SeedSocialAccount } from './types';
import { SOCIAL_PLATFORMS } from './vocab-activity';
import {
  EMAIL_DOMAINS, FOREIGN, NATIONALITY_WEIGHTS, PROVINCES, ROADS, THAI_FEMALE, THAI_LAST, THAI_MALE, THAI_NICKNAMES,
} from './vocab-people';

/**
 * Identity and contact data of one synthetic customer. The rest of the generator builds on the
 * `Person` returned here (names for bank books and invoices, sign-up time as the lower bound of
 * every later record, age for consent).
 */
export interface Person {
  customer: SeedCustomer;
  /** ASCII romanised names, for emails, handles and usernames. */
  romanFirst: string;
  romanLast: string;
  /** The name as the customer writes it (Thai script or romanised). */
  displayName: string;
  /** Sign-up time: nothing about this customer was collected before it. */
  signupMs: number;
  /** Age in years on `now`. */
  age: number;
  livesInThailand: boolean;
  /** Thai customer whose name is written in Thai script (their address is too). */
  thaiScript: boolean;
}

/** Where customers come from, and how often. */
const CUSTOMER_SOURCES: readonly (readonly [Source, number])[] = [
  ['signup_form', 35], ['facebook_login', 12], ['google_login', 12], ['referral', 10], ['phone', 8], ['partner', 8],
  ['email', 6], ['purchased_list', 5], ['public_source', 4],
];
const LATER_CONTACT_SOURCES: readonly (readonly [Source, number])[] = [
  ['signup_form', 30], ['phone', 20], ['email', 20], ['referral', 10], ['partner', 8], ['purchased_list', 7], ['public_source', 5],
];

const COUNTRY_CALLING_CODES: Record<string, string> = { JP: '81', CN: '86', US: '1', GB: '44', DE: '49', FR: '33', IN: '91', MM: '95', KR: '82' };

/** ASCII letters only, lower case: "Müller" -> "muller", "O'Brien" -> "obrien". */
export function slug(s: string): string {
  return s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
}

/** A valid 13-digit Thai national ID (mod-11 check digit); `first` is the person-type digit. */
export function thaiNationalId(rng: Rng, first: string): string {
  const body = first + rng.digits(11);
  return body + thaiIdCheckDigit(body);
}

/** The check digit of the first 12 digits of a Thai national ID or juristic-person tax ID. */
export function thaiIdCheckDigit(first12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (13 - i);
  return String((11 - (sum % 11)) % 10);
}

function fromPattern(rng: Rng, pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '9') out += rng.digits(1);
    else if (ch === 'A') out += rng.chars(1, 'ABCDEFGHJKLMNPRSTUVWXYZ');
    else if (ch === 'X') out += rng.chars(1, 'CFGHJKLMNPRTVWXYZ0123456789');
    else out += ch;
  }
  return out;
}

const ADULT_AGE_BANDS: readonly (readonly [readonly [number, number], number])[] = [
  [[20, 29], 30], [[30, 39], 28], [[40, 49], 20], [[50, 59], 12], [[60, 85], 10],
];

function pickAge(rng: Rng): number {
  const r = rng.next();
  if (r < 0.03) return rng.int(13, 15); // under 16
  if (r < 0.1) return rng.int(16, 19); // minors under the Thai age of majority (20)
  const [min, max] = rng.weighted(ADULT_AGE_BANDS);
  return rng.int(min, max);
}

const FOREIGN_ALIASES: readonly string[] = ['Max', 'Jay', 'Bee', 'Sunny', 'Kenny', 'Lulu', 'Tommy', 'Mimi'];

function pickGender(rng: Rng): string | null {
  return rng.weighted<string | null>([['male', 48], ['female', 48], ['non_binary', 1], [null, 3]]);
}

/** Builds the customer row: names, ids, date of birth, sign-up provenance. */
export function generatePerson(rng: Rng, id: string, now: Date): Person {
  const nowMs = now.getTime();
  const nationality = rng.weighted(NATIONALITY_WEIGHTS);
  const gender = pickGender(rng);
  const female = gender === 'female' || (gender !== 'male' && rng.chance(0.5));
  const age = pickAge(rng);
  const dateOfBirth = dateOfBirthForAge(rng, age, now);
  // Nobody signs up before 13; the oldest records are about 8 years old.
  const latest = nowMs - 3 * DAY;
  const earliest = Math.min(latest, Math.max(nowMs - 8 * YEAR, Date.parse(dateOfBirth) + 13 * YEAR));
  // Half uniform over the whole span, half skewed towards recent sign-ups.
  const signupMs = rng.chance(0.5)
    ? wholeSecond(latest - rng.skewed() * (latest - earliest))
    : instantBetween(rng, earliest, latest);
  const base = { id, dateOfBirth, gender, nationality, source: rng.weighted(CUSTOMER_SOURCES), collectedAt: iso(signupMs) };

  if (nationality === 'TH') {
    const first = rng.pick(female ? THAI_FEMALE : THAI_MALE);
    const last = rng.pick(THAI_LAST);
    const script = rng.chance(0.55) ? 0 : 1; // Thai script or romanised
    const nick = rng.chance(0.35) ? rng.pick(THAI_NICKNAMES)[script] : null;
    const customer: SeedCustomer = {
      ...base, firstName: first[script], middleName: null, lastName: last[script], alias: nick,
      nationalId: thaiNationalId(rng, rng.pick(['1', '1', '1', '3', '3', '5', '8'])),
      passportNumber: rng.chance(0.25) ? fromPattern(rng, 'AA9999999') : null,
    };
    return {
      customer, romanFirst: first[1], romanLast: last[1], displayName: `${first[script]} ${last[script]}`,
      signupMs, age, livesInThailand: true, thaiScript: script === 0,
    };
  }
  const nat = FOREIGN.find((n) => n.code === nationality) ?? FOREIGN[0];
  const first = rng.pick(female ? nat.female : nat.male);
  const last = rng.pick(nat.last);
  const middle = nat.middle.length > 0 && rng.chance(0.4) ? rng.pick(nat.middle) : null;
  const customer: SeedCustomer = {
    ...base, firstName: first, middleName: middle, lastName: last, alias: rng.chance(0.1) ? rng.pick(FOREIGN_ALIASES) : null,
    nationalId: null, passportNumber: fromPattern(rng, nat.passport),
  };
  const displayName = [first, middle, last].filter((x) => x !== null).join(' ');
  return { customer, romanFirst: first, romanLast: last, displayName, signupMs, age, livesInThailand: rng.chance(0.7), thaiScript: false };
}

/** Provenance of a contact detail: mostly collected at sign-up through the same channel, sometimes later. */
function contactProvenance(rng: Rng, p: Person, nowMs: number): { source: Source; collectedAt: string } {
  if (rng.chance(0.7)) return { source: p.customer.source, collectedAt: p.customer.collectedAt };
  return { source: rng.weighted(LATER_CONTACT_SOURCES), collectedAt: iso(instantBetween(rng, p.signupMs, nowMs)) };
}

/** 1-2 emails, 1-2 phones, one postal address, 0-3 social accounts. */
export function generateContacts(rng: Rng, p: Person, index: number, now: Date): {
  emails: SeedEmail[]; phones: SeedPhone[]; postalAddresses: SeedPostalAddress[]; socialAccounts: SeedSocialAccount[];
} {
  const nowMs = now.getTime();
  const f = slug(p.romanFirst) || 'user';
  const l = slug(p.romanLast) || 'x';
  const n = index + 1;
  const locals = [`${f}.${l}${n}`, `${f}${l.slice(0, 1)}${n}`, `${f}_${n}`, `${l}.${f}${n}`];
  const emails: SeedEmail[] = rng.sample(locals, rng.chance(0.35) ? 2 : 1).map((local, i) => ({
    address: `${local}@${rng.pick(EMAIL_DOMAINS)}`, primary: i === 0, ...contactProvenance(rng, p, nowMs),
  }));

  const phones: SeedPhone[] = [];
  const phoneCount = rng.chance(0.3) ? 2 : 1;
  for (let i = 0; i < phoneCount; i++) {
    const kind = i === 0 ? 'mobile' : rng.pick(['mobile', 'home', 'work']);
    phones.push({ number: phoneNumber(rng, p, kind), kind, ...contactProvenance(rng, p, nowMs) });
  }

  const postalAddresses = [{ ...postalAddress(rng, p), ...contactProvenance(rng, p, nowMs) }];

  const socialAccounts: SeedSocialAccount[] = rng.sample(SOCIAL_PLATFORMS, rng.weighted([[0, 35], [1, 35], [2, 20], [3, 10]])).map((platform) => {
    const handle = platform === 'facebook' ? `${f}.${l}.${rng.int(1, 99)}`
      : platform === 'x' ? `@${f}_${l.slice(0, 4)}${rng.digits(2)}`
      : platform === 'line' ? `${f}${rng.digits(3)}`
      : `${f}.${l.slice(0, 3)}_${rng.digits(2)}`;
    const source: Source = platform === 'facebook' && p.customer.source === 'facebook_login' ? 'facebook_login'
      : rng.weighted<Source>([['signup_form', 70], ['public_source', 15], ['referral', 15]]);
    return { platform, handle, source, collectedAt: iso(instantBetween(rng, p.signupMs, nowMs)) };
  });
  return { emails, phones, postalAddresses, socialAccounts };
}

function phoneNumber(rng: Rng, p: Person, kind: string): string {
  if (!p.livesInThailand && kind === 'mobile') {
    return `+${COUNTRY_CALLING_CODES[p.customer.nationality] ?? '1'} ${rng.digits(3)} ${rng.digits(3)} ${rng.digits(4)}`;
  }
  if (kind !== 'mobile') return rng.pick([`+66 2 ${rng.digits(3)} ${rng.digits(4)}`, `+662${rng.digits(7)}`]);
  const d = rng.pick(['6', '8', '9']) + rng.digits(8);
  return rng.pick([`+66 ${d.slice(0, 2)} ${d.slice(2, 5)} ${d.slice(5)}`, `+66${d}`, `+66-${d.slice(0, 2)}-${d.slice(2, 5)}-${d.slice(5)}`]);
}

function postalAddress(rng: Rng, p: Person): Omit<SeedPostalAddress, 'source' | 'collectedAt'> {
  if (!p.livesInThailand) {
    const nat = FOREIGN.find((n) => n.code === p.customer.nationality) ?? FOREIGN[0];
    const [city, postcode, street] = rng.pick(nat.homes);
    return { line1: street.replace('#', String(rng.int(1, 250))), line2: null, city, postcode, country: nat.code };
  }
  const province = rng.weighted(PROVINCES.map((pr) => [pr, pr.weight] as const));
  const [districtEn, districtTh, postcode] = rng.pick(province.districts);
  const [roadEn, roadTh] = rng.pick(ROADS);
  const house = `${rng.int(1, 999)}/${rng.int(1, 120)}`;
  const soi = rng.int(1, 71);
  const thai = p.thaiScript;
  if (rng.chance(0.25)) {
    const unit = `${rng.int(2, 45)}${rng.digits(2)}`;
    return thai
      ? { line1: `ห้อง ${unit} คอนโด ${rng.pick(['ไลฟ์', 'ดิ เอส', 'ลุมพินี', 'ศุภาลัย'])} ถนน${roadTh}`, line2: `เขต/อำเภอ ${districtTh}`, city: province.th, postcode, country: 'TH' }
      : { line1: `Unit ${unit}, ${rng.pick(['Life', 'The Base', 'Lumpini Place', 'Supalai'])} Condominium, ${roadEn} Road`, line2: districtEn, city: province.en, postcode, country: 'TH' };
  }
  return thai
    ? { line1: `${house} ซอย${roadTh} ${soi} ถนน${roadTh}`, line2: `เขต/อำเภอ ${districtTh}`, city: province.th, postcode, country: 'TH' }
    : { line1: `${house} Soi ${roadEn} ${soi}, ${roadEn} Road`, line2: rng.chance(0.8) ? districtEn : null, city: province.en, postcode, country: 'TH' };
}
