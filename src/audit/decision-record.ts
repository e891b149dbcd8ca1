import { Effect, Reason } from '../policy/decide';

/** One access-log entry's worth of decision, as collected during a request (never the value). */
export interface DecisionRecord {
  readonly customerId: string | null;
  readonly typeName: string;
  readonly fieldPath: string;
  readonly category: string;
  readonly effect: Effect;
  readonly reason: Reason | null;
  readonly rule: string | null;
}
