import { HistoryList } from './collect-document';

/**
 * The SQL for the gateway-side sections of the export: the history lists, the event stream the
 * customer's decision state is folded from, and the recipients from the access log. Split out of
 * collect.ts.
 */
export const HISTORY_SQL: Record<HistoryList, string> = {
  consents: `SELECT id::text AS id, purpose, action, given_by AS "givenBy", explicit, expires_at AS "expiresAt", source, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM consent_events`,
  objections: `SELECT id::text AS id, purpose, category, action, reason, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM objection_events`,
  restrictions: `SELECT id::text AS id, category, purpose, action, reason, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM restriction_events`,
  rectifications: `SELECT id::text AS id, category, action, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM rectification_events`,
  erasures: `SELECT id::text AS id, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM erasures`,
};

/** The state decisions use, folded from the same snapshot the history is read from. */
export const STATE_SQL = `
  SELECT 'consent' AS kind, customer_id, id, recorded_at, purpose, action, given_by, explicit, expires_at, NULL AS category FROM consent_events WHERE customer_id = $1
  UNION ALL SELECT 'objection', customer_id, id, recorded_at, purpose, action, NULL, NULL, NULL, category FROM objection_events WHERE customer_id = $1
  UNION ALL SELECT 'restriction', customer_id, id, recorded_at, purpose, action, NULL, NULL, NULL, category FROM restriction_events WHERE customer_id = $1
  UNION ALL SELECT 'rectification', customer_id, id, recorded_at, NULL, action, NULL, NULL, NULL, category FROM rectification_events WHERE customer_id = $1
  UNION ALL SELECT 'erasure', customer_id, id, recorded_at, NULL, NULL, NULL, NULL, NULL, NULL FROM erasures WHERE customer_id = $1
  ORDER BY recorded_at, kind, id`;

/**
 * Recipients: who read which category for which purpose and was given it (ALLOW or MASK), first
 * and last time, how often. Keyset over the group key, compared in the "C" collation so the page
 * boundary and the order agree whatever the database locale.
 */
export function recipientsSql(keyset: boolean): string {
  return `SELECT caller, purpose, category, effect, min(at) AS "firstAt", max(at) AS "lastAt", count(*)::bigint AS count
    FROM access_log_entries
    WHERE customer_id = $1 AND effect IN ('ALLOW', 'MASK') AND request_id <> $2
      ${keyset ? `AND (caller COLLATE "C", coalesce(purpose, '') COLLATE "C", category COLLATE "C", effect COLLATE "C") > ($4, $5, $6, $7)` : ''}
    GROUP BY caller, purpose, category, effect
    ORDER BY caller COLLATE "C", coalesce(purpose, '') COLLATE "C", category COLLATE "C", effect COLLATE "C"
    LIMIT $3`;
}
