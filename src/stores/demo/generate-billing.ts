import { DAY, HOUR, instantBetween, iso, wholeSecond, YEAR } from './clock';
import type { Person } from './generate-person';
import { thaiIdCheckDigit } from './generate-person';
import type { Rng } from './prng';
import type { SeedBankAccount, SeedInvoice, SeedOrder, SeedPaymentCard, SeedPostalAddress } from './types';
import { CARD_BRANDS, ORDER_STATUSES, PRODUCTS } from './vocab-activity';
import { COMPANIES, THAI_BANKS } from './vocab-people';

/**
 * Billing-store rows of one customer: bank accounts, tokenised cards, orders over the last six
 * years and tax invoices for most of them. All collected at checkout.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Satang to a numeric(12,2) string: 123456 -> "1234.56". */
function baht(satang: number): string {
  return `${Math.floor(satang / 100)}.${String(satang % 100).padStart(2, '0')}`;
}

/** A name as printed by a Thai bank: romanised names in capitals with a title. */
function holderName(rng: Rng, p: Person): string {
  if (p.thaiScript) return p.displayName;
  const title = p.customer.gender === 'female' ? rng.pick(['MS.', 'MRS.', 'MISS']) : p.customer.gender === 'male' ? 'MR.' : '';
  return `${title} ${p.displayName.toUpperCase()}`.trim();
}

/** A juristic-person tax ID: 13 digits starting 0105 (Bangkok companies), valid check digit. */
function companyTaxId(rng: Rng): string {
  const body = '0105' + rng.digits(8);
  return body + thaiIdCheckDigit(body);
}

function oneLine(a: SeedPostalAddress): string {
  return [a.line1, a.line2, a.city, a.postcode, a.country].filter((x) => x !== null && x !== '').join(', ');
}

/** 0-2 bank accounts and 0-2 payment cards, collected at some checkout after sign-up. */
export function generatePaymentMeans(rng: Rng, p: Person, nowMs: number): { bankAccounts: SeedBankAccount[]; paymentCards: SeedPaymentCard[] } {
  const bankAccounts: SeedBankAccount[] = [];
  for (let i = rng.weighted([[0, 60], [1, 30], [2, 10]]); i > 0; i--) {
    const n = rng.digits(10);
    bankAccounts.push({
      bankName: rng.pick(THAI_BANKS),
      accountHolder: holderName(rng, p),
      accountNumber: `${n.slice(0, 3)}-${n.slice(3, 4)}-${n.slice(4, 9)}-${n.slice(9)}`,
      source: 'checkout',
      collectedAt: iso(instantBetween(rng, p.signupMs, nowMs)),
    });
  }
  const paymentCards: SeedPaymentCard[] = [];
  for (let i = rng.weighted([[0, 45], [1, 40], [2, 15]]); i > 0; i--) {
    const added = instantBetween(rng, p.signupMs, nowMs);
    paymentCards.push({
      token: `tok_${rng.chars(24, BASE62)}`,
      last4: rng.digits(4),
      brand: rng.weighted(CARD_BRANDS),
      expiryMonth: rng.int(1, 12),
      // Cards run 1-5 years from when they were added: some have expired since.
      expiryYear: new Date(added).getUTCFullYear() + rng.int(1, 5),
      source: 'checkout',
      collectedAt: iso(added),
    });
  }
  return { bankAccounts, paymentCards };
}

/**
 * 0-15 orders over the last six years (skewed towards few), ~60% with a tax invoice. Invoice
 * numbers embed seed, customer number and order number, so they are unique (the column is UNIQUE).
 */
export function generateOrders(rng: Rng, p: Person, address: SeedPostalAddress, index: number, seed: number, nowMs: number): SeedOrder[] {
  const count = Math.floor(rng.skewed() * 16);
  const from = Math.max(p.signupMs, nowMs - 6 * YEAR);
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(instantBetween(rng, from, nowMs));
  times.sort((a, b) => a - b);
  // A few customers buy for their company and put its tax ID on their invoices.
  const company = rng.chance(0.12) ? { name: rng.pick(COMPANIES), taxId: companyTaxId(rng) } : null;
  const personalTaxId = p.customer.nationalId !== null && rng.chance(0.3) ? p.customer.nationalId : null;

  return times.map((t, j) => {
    let satang = 0;
    const lines: string[] = [];
    for (const [name, price] of rng.sample(PRODUCTS, rng.weighted([[1, 55], [2, 25], [3, 12], [4, 8]]))) {
      const qty = rng.chance(0.8) ? 1 : rng.int(2, 4);
      satang += qty * price;
      lines.push(`${qty} x ${name}`);
    }
    if (satang < 100000) {
      satang += 5000; // shipping under 1,000 THB
      lines.push('Shipping');
    }
    const drawn = rng.weighted(ORDER_STATUSES);
    // Only recent orders can still be open.
    const status = t < nowMs - 30 * DAY && (drawn === 'pending' || drawn === 'paid' || drawn === 'shipped') ? 'delivered' : drawn;
    const invoiced = status !== 'pending' && status !== 'cancelled' && rng.chance(0.69);
    let invoice: SeedInvoice | null = null;
    if (invoiced) {
      const issued = Math.min(t + rng.int(0, 72) * HOUR, wholeSecond(nowMs));
      invoice = {
        invoiceNumber: `INV${new Date(issued).getUTCFullYear()}-${seed}-${String(index + 1).padStart(6, '0')}-${String(j + 1).padStart(2, '0')}`,
        issuedAt: iso(issued),
        billingName: company ? company.name : p.displayName,
        billingAddress: oneLine(address),
        taxId: company ? company.taxId : personalTaxId,
        amount: baht(satang),
        source: 'checkout',
        collectedAt: iso(issued),
      };
    }
    return {
      orderedAt: iso(t), total: baht(satang), currency: 'THB', status, items: lines.join('; '), invoice,
      source: 'checkout', collectedAt: iso(t),
    };
  });
}
