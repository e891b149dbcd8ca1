import { Effect, Reason } from '../policy/decide';
import { CollectedField } from './field-paths';

/**
 * One access-log entry, as collected during a request (never the value): one decision for one
 * customer and one category, and every field it covered. `recordPath` is where the customer
 * sits in the response (`customer`, `customers.3`); `fields` are the decided fields relative to
 * it (`firstName`, `emails.0.address`, `accounts.0.loginEvents[id=12]` for a record left out),
 * the same field of a list's records as one folded group (`emails.0-2.address`, field-paths.ts).
 */
export interface DecisionRecord {
  readonly customerId: string | null;
  readonly typeName: string;
  readonly recordPath: string;
  readonly fields: CollectedField[];
  readonly category: string;
  readonly effect: Effect;
  readonly reason: Reason | null;
  readonly rule: string | null;
}
