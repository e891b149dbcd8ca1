/**
 * What the gateway knows about one customer when it decides: built by folding the append-only
 * event histories (consent, objection, restriction, rectification, erasure) up to `now`.
 * Pure: the loader in src/stores/gateway reads the events, `foldCustomerState` interprets them.
 */
export interface ConsentStatus {
  readonly givenAt: Date;
  readonly givenBy: 'subject' | 'guardian';
  readonly explicit: boolean;
  readonly expiresAt: Date | null;
  /** Set when the latest event for the purpose is a withdrawal. */
  readonly withdrawnAt: Date | null;
}

export interface CustomerState {
  readonly customerId: string;
  readonly dateOfBirth: string | null;
  readonly consents: Readonly<Record<string, ConsentStatus>>;
  readonly objections: readonly { purpose: string; category: string | null }[];
  readonly restrictions: readonly { category: string | null; purpose: string | null }[];
  readonly pendingRectifications: readonly string[];
  readonly erasedAt: Date | null;
}

export type StateEvent =
  | { kind: 'consent'; at: Date; purpose: string; action: 'grant' | 'withdraw'; givenBy: 'subject' | 'guardian' | null; explicit: boolean; expiresAt: Date | null }
  | { kind: 'objection'; at: Date; purpose: string; category: string | null; action: 'object' | 'remove' }
  | { kind: 'restriction'; at: Date; purpose: string | null; category: string | null; action: 'restrict' | 'lift' }
  | { kind: 'rectification'; at: Date; category: string; action: 'request' | 'resolve' }
  | { kind: 'erasure'; at: Date };

export function consentFor(state: CustomerState, purpose: string): ConsentStatus | null {
  return state.consents[purpose] ?? null;
}

/**
 * Folds events (in the order they were recorded) into the state in force. Every committed event
 * counts, even one stamped a moment after `now` by a database clock ahead of ours: a withdrawal
 * must never be skipped because of clock skew. `now` only judges expiry, in decide().
 */
export function foldCustomerState(customerId: string, dateOfBirth: string | null, events: readonly StateEvent[], _now?: Date): CustomerState {
  const consents: Record<string, ConsentStatus> = {};
  const objections = new Map<string, { purpose: string; category: string | null }>();
  const restrictions = new Map<string, { category: string | null; purpose: string | null }>();
  const rectifications = new Set<string>();
  let erasedAt: Date | null = null;
  for (const e of events) {
    switch (e.kind) {
      case 'consent': {
        if (e.action === 'grant') {
          consents[e.purpose] = { givenAt: e.at, givenBy: e.givenBy ?? 'subject', explicit: e.explicit, expiresAt: e.expiresAt, withdrawnAt: null };
        } else if (consents[e.purpose]) {
          consents[e.purpose] = { ...consents[e.purpose], withdrawnAt: e.at };
        } else {
          consents[e.purpose] = { givenAt: e.at, givenBy: 'subject', explicit: false, expiresAt: null, withdrawnAt: e.at };
        }
        break;
      }
      case 'objection': {
        const key = `${e.purpose}|${e.category ?? ''}`;
        if (e.action === 'object') objections.set(key, { purpose: e.purpose, category: e.category });
        else objections.delete(key);
        break;
      }
      case 'restriction': {
        const key = `${e.category ?? ''}|${e.purpose ?? ''}`;
        if (e.action === 'restrict') restrictions.set(key, { category: e.category, purpose: e.purpose });
        else restrictions.delete(key);
        break;
      }
      case 'rectification':
        if (e.action === 'request') rectifications.add(e.category);
        else rectifications.delete(e.category);
        break;
      case 'erasure':
        erasedAt = erasedAt ?? e.at;
        break;
    }
  }
  return {
    customerId,
    dateOfBirth,
    consents,
    objections: [...objections.values()],
    restrictions: [...restrictions.values()],
    pendingRectifications: [...rectifications],
    erasedAt,
  };
}
