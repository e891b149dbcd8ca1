import { PolicyPack } from '../../policy/pack.types';
import { RetentionRule } from '../../policy/retention';
import { Stores } from '../../stores/open-stores';

/**
 * The shapes of the export document (head, parts, records, history, recipients) and of the
 * handle openSubjectExport returns; the renderers depend on these alone. Split out of
 * collect.ts, which re-exports them.
 */
export interface DataRecord {
  type: string;
  id: string;
  source: string;
  collectedAt: string;
  parent: { type: string; id: string } | null;
  values: Record<string, unknown>;
}

export interface CategoryInventory {
  category: string;
  description: string;
  sensitive: boolean;
  /** Records holding data of the category. */
  count: number;
}

export interface PurposeView {
  key: string;
  description: string;
  lawfulBasis: string;
  directMarketing: boolean;
  /** The purpose's categories as the pack states them (a parent covers its children). */
  packCategories: string[];
  /** Categories held about the customer that the purpose covers: retention, and whether it may use them now. */
  categories: { category: string; retention: string | null; effect: 'ALLOW' | 'MASK' | 'DENY'; reason: string | null }[];
}

/**
 * How long a category is kept: what the retention sweep does (src/policy/retention.ts), not the
 * longest retention any purpose states (the rights-administration purposes do not count).
 */
export interface RetentionView {
  category: string;
  /**
   * `retention`: kept `retention` from each record's collection, set by `purpose`; `no_limit`:
   * `purpose` states no limit, kept until erased; `not_collected`: the policy does not collect it,
   * deleted by the next retention sweep; `no_purpose`: no purpose covers it (a pack `policy check` refuses).
   */
  rule: RetentionRule;
  retention: string | null;
  purpose: string | null;
  /** Each purpose that counts for retention and covers the category, with the retention it states. */
  purposes: { purpose: string; retention: string | null }[];
}

export interface ExportHead {
  format: string;
  generatedAt: string;
  subject: { customerId: string; firstName: string; middleName: string | null; lastName: string };
  policy: { packId: string; title: string; hash: string; effective: string | null; language: 'th' | 'en' };
  controller: { name: string; contact: Record<string, string> };
  dpo: Record<string, string>;
  regulator: { name: string; contact: string };
  rights: { granted: string[]; responseDeadline: string };
  categories: CategoryInventory[];
  purposes: PurposeView[];
  retention: RetentionView[];
  declaredRecipients: { name: string; purposes: string[]; categories: string[] }[];
  transfersAbroad: { country: string; safeguard: string }[];
  automatedDecisions: string | null;
  sources: { key: string; description: string }[];
}

export const HISTORY_LISTS = ['consents', 'objections', 'restrictions', 'rectifications', 'erasures'] as const;
export type HistoryList = (typeof HISTORY_LISTS)[number];

export interface Recipient {
  caller: string;
  purpose: string | null;
  category: string;
  effect: 'ALLOW' | 'MASK';
  firstAt: string;
  lastAt: string;
  count: number;
}

/**
 * The parts after the head, always in this order: every category (each followed by pages of its
 * records), then every history list in HISTORY_LISTS order (each followed by pages of events),
 * then `recipients` followed by pages of recipient rows. A section with nothing in it still
 * appears (except categories, which appear only when they hold records).
 */
export type ExportPart =
  | { kind: 'category'; category: string; count: number }
  | { kind: 'records'; records: DataRecord[] }
  | { kind: 'history'; list: HistoryList }
  | { kind: 'events'; events: Record<string, unknown>[] }
  | { kind: 'recipients' }
  | { kind: 'recipientRows'; rows: Recipient[] };

export interface SubjectExport {
  readonly head: ExportHead;
  /** Categories with at least one record: what the access log records as exported. */
  readonly exportedCategories: readonly string[];
  parts(): AsyncGenerator<ExportPart>;
  /** Ends the snapshot transactions and returns the connections. Safe to call twice. */
  close(): Promise<void>;
}

export interface ExportOptions {
  stores: Stores;
  pack: PolicyPack;
  now: Date;
  pageRows?: number;
  /** Access-log entries of this request are not counted as recipients (the export's own entries). */
  requestId?: string;
}
