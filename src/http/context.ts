import { GraphQLFormattedError } from 'graphql';
import { Caller } from './authenticate';
import { PolicyPack, Purpose } from '../policy/pack.types';
import { CustomerState } from '../policy/customer-state';
import { Stores } from '../stores/open-stores';
import { Loaders } from '../stores/loaders';
import { DecisionRecord } from '../audit/decision-record';
import type { CachedDecision } from '../graphql/field-decision';
import { OperationPlan } from '../graphql/plan';

/**
 * Everything one request carries through the pipeline:
 * caller and purpose (http/) -> plan (graphql/plan) -> resolve (loaders) -> decide (policy/)
 * -> log (audit/) -> respond.
 */
export interface GatewayContext {
  readonly requestId: string;
  /** Authenticated caller; roles already narrowed to those the pack grants it. */
  readonly caller: Caller;
  /** X-Purpose as sent, validated against the pack in the plan stage. */
  readonly purposeHeader: string | null;
  readonly justification: string | null;
  readonly clientAddress: string | null;
  readonly pack: PolicyPack;
  /** Request start: every decision of the request is made as of this instant. */
  readonly now: Date;
  readonly stores: Stores;
  readonly loaders: Loaders;
  readonly maxBatch: number;
  /** Set by the plan stage before any resolver runs. */
  purpose: Purpose | null;
  plan: OperationPlan | null;
  /** Decision state of every customer the request touches, loaded once (one statement). */
  readonly states: Map<string, CustomerState>;
  /** Every decision made, written to the access log before the response leaves. */
  readonly decisions: DecisionRecord[];
  /** Per customer, per category (by slot): the record-independent decision, the retention cut-off (ms), and its log entry. */
  readonly decisionCache: Map<string, CachedDecision[]>;
  /** Per category (by slot): the retention cut-off in ms for the purpose, computed on first use. */
  readonly retentionCutoffs: number[];
  /** Errors of denied fields, appended to the response's errors by the respond stage. */
  readonly denials: GraphQLFormattedError[];
  /** Retention denials by (customer place, category, decision), each listing the records or fields it covered. */
  readonly logEntries: Map<string, DecisionRecord>;
}
