import { Effect, Reason } from '../policy/decide';

/**
 * One access-log entry's worth of decision, as collected during a request (never the value).
 * Fields of one record that share a category share one decision (same purpose, customer state,
 * category and record time), so they share one entry: `recordPath` names the record
 * (`customers.3.emails.0`) and `fields` the fields decided (`address`, `primary`).
 */
export interface DecisionRecord {
  readonly customerId: string | null;
  readonly typeName: string;
  readonly recordPath: string;
  readonly fields: string[];
  readonly category: string;
  readonly effect: Effect;
  readonly reason: Reason | null;
  readonly rule: string | null;
}
