import { DataSource, EntityManager } from 'typeorm';
import { onGateway } from './requests.service';

/**
 * How a rectification is read back: the view the API returns (request joined with its
 * resolution, if any) and the listing per customer. Split out of rectification.service.ts, which
 * re-exports the public names.
 */
export type RectificationStatus = 'pending' | 'corrected' | 'discarded_by_erasure';

export interface RectificationRecipientView {
  caller: string;
  purpose: string | null;
  firstReadAt: Date;
  lastReadAt: Date;
  /** Access-log entries (one per request that read the category). */
  reads: number;
}

export interface RectificationView {
  id: string;
  customerId: string;
  category: string;
  field: string;
  recordId: string;
  requestId: string | null;
  status: RectificationStatus;
  requestedAt: Date;
  requestedBy: string;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  rowsUpdated: number | null;
  recipients: RectificationRecipientView[];
}

interface Row {
  id: string;
  customer_id: string;
  category: string;
  field: string;
  record_id: string;
  request_id: string | null;
  requested_at: Date;
  requested_by: string;
  outcome: 'corrected' | 'discarded_by_erasure' | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  rows_updated: number | null;
  recipients: { caller: string; purpose: string | null; firstReadAt: string; lastReadAt: string; reads: number }[] | null;
}

const SELECT = `SELECT r.id::text, r.customer_id, r.category, r.field, r.record_id, r.request_id::text, r.requested_at, r.requested_by,
  s.outcome, s.resolved_at, s.resolved_by, s.rows_updated, s.recipients
  FROM rectification_requests r LEFT JOIN rectification_resolutions s ON s.rectification_id = r.id`;

function view(r: Row): RectificationView {
  return {
    id: r.id, customerId: r.customer_id, category: r.category, field: r.field, recordId: r.record_id, requestId: r.request_id,
    status: r.outcome ?? 'pending', requestedAt: r.requested_at, requestedBy: r.requested_by, resolvedAt: r.resolved_at, resolvedBy: r.resolved_by,
    rowsUpdated: r.rows_updated,
    recipients: (r.recipients ?? []).map((x) => ({ ...x, firstReadAt: new Date(x.firstReadAt), lastReadAt: new Date(x.lastReadAt) })),
  };
}

export async function getRectification(ds: DataSource | EntityManager, id: string): Promise<RectificationView | null> {
  const rows: Row[] = await ds.query(`${SELECT} WHERE r.id = $1`, [id]);
  return rows.length ? view(rows[0]) : null;
}

export async function listRectifications(ds: DataSource, customerId: string): Promise<RectificationView[]> {
  return onGateway('rectifications', async () => ((await ds.query(`${SELECT} WHERE r.customer_id = $1 ORDER BY r.id`, [customerId])) as Row[]).map(view));
}
