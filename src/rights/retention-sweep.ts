/**
 * What the personal-data stores hold, category by category, and how long a pack keeps it; and
 * the retention sweep (`npm run retention -- sweep`), which deletes, or anonymises where a parent
 * row must stay, every record older than the LONGEST retention any purpose of the pack gives its
 * categories. How long a category is kept is one function, categoryRetention
 * (src/policy/retention.ts), which the subject export states and `npm run policy -- check` lints,
 * so the three cannot disagree. The erasure (erasure.service.ts) uses the same table layout and
 * legal holds.
 *
 * Choices (the issue is silent on them):
 * - The rights-administration purposes (`data_subject_request`, `consent_management`, a
 *   convention of all five packs, policies/README.md) are not a reason to hold store data: they
 *   cover every category for 10 years so the DPO can answer requests about whatever is held, and
 *   their own records (requests, consent events) live in the gateway's tables, which the sweep
 *   never touches. Counting them would make every category's longest retention P10Y.
 * - A category the pack lists under `not_collected` (the policy does not collect it, yet the
 *   stores can hold it) is deleted, or anonymised on a row that stays, whatever its age: a
 *   deliberate rule of the pack, not a missing one.
 * - A category that no purpose covers and `not_collected` does not list is KEPT, with a warning.
 *   `policy check` refuses such a pack (every category a pack declares or the stores hold must
 *   have a purpose and a retention, or be listed as not collected), so a checked pack never gets
 *   here; the warning stays as a defence for a pack deployed unchecked: an unattended job must
 *   not destroy data because a rule is missing, the gateway already serves it to no purpose
 *   (CATEGORY_NOT_IN_PURPOSE), and the warning names the table so a DPO adds the rule or erases
 *   deliberately. Exception: rows of ERASED customers.
 * - Rows of erased customers are deleted once past the longest retention of the legal holds that
 *   keep them (`kept_after_erasure`, src/policy/legal-hold.ts: the "kept until" of the erasure
 *   receipt); rows of theirs in a category no legal hold keeps are deleted whatever their age
 *   (they finish an erasure), even where a legal-obligation purpose covers the category.
 * - A row holding several categories (a login: IP, user agent, time) goes when all of them are
 *   past; a category of it due earlier (a shorter longest retention, or not collected) is
 *   anonymised on the row meanwhile, so that every category goes at its own longest retention,
 *   as the export states. The customer row is never deleted: it anchors the other records and the
 *   gateway's histories; each identity category on it is anonymised once past its retention.
 * - A parent row (an account with logins, an order with an invoice) past its retention whose
 *   children are still kept stays, anonymised (username, items).
 * - Work is done in bounded batches (`DELETE ... WHERE id IN (SELECT id ... LIMIT n)`), each its
 *   own transaction: an interrupted sweep keeps what it did and the next run continues; a run
 *   with nothing past retention changes nothing (idempotent).
 * - Deleting a parent row makes PostgreSQL look for its children (ON DELETE CASCADE); without an
 *   index on login_events.account_id and invoices.order_id that is a scan of the child table per
 *   parent row. Measured on 20,000 seeded customers (~120,000 rows past retention): 90 s without
 *   those two indexes, 4.6 s with them.
 */
export { RIGHTS_ADMINISTRATION_PURPOSES, legalHold, longestRetention } from './retention-sweep-plan';
export type { LegalHold, LongestRetention } from './retention-sweep-plan';
export { childOf, CUSTOMER_IDENTITY, PERSONAL_TABLES } from './retention-sweep-tables';
export type { PersonalTable, TableCategory } from './retention-sweep-tables';
export { describeSweep } from './retention-sweep-report';
export type { SweepLine, SweepReport, SweepWarning } from './retention-sweep-report';
export { DEFAULT_SWEEP_BATCH, rowsChanged, runRetentionSweep } from './retention-sweep-run';
export type { SweepOptions } from './retention-sweep-run';
