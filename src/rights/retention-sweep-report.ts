/**
 * The sweep's report: the lines (rows deleted or anonymised per table), the warnings, and the
 * text the CLI prints. The sweep's rules: retention-sweep-run.ts.
 */
export interface SweepLine {
  readonly store: 'crm' | 'billing';
  readonly table: string;
  readonly categories: readonly string[];
  readonly action: 'deleted' | 'anonymised';
  /** Rows changed (or, in a dry run, that would be). */
  readonly rows: number;
  /**
   * The longest retention that applied and the purpose that sets it. Both null: erased customers'
   * rows only (cutoff null), or a category the pack lists under not_collected (cutoff = now: any age).
   */
  readonly retention: string | null;
  readonly purpose: string | null;
  readonly cutoff: Date | null;
}

export interface SweepWarning {
  readonly store: 'crm' | 'billing';
  readonly table: string;
  readonly category: string;
  readonly message: string;
}

export interface SweepReport {
  readonly pack: string;
  readonly now: Date;
  readonly dryRun: boolean;
  readonly erasedCustomers: number;
  readonly lines: SweepLine[];
  readonly warnings: SweepWarning[];
  /** Rows deleted or anonymised per category (a row counts for each category it holds). */
  readonly byCategory: Record<string, { deleted: number; anonymised: number }>;
}

/** The report as text lines for the CLI. */
export function describeSweep(r: SweepReport): string[] {
  const verb = (a: 'deleted' | 'anonymised') => (r.dryRun ? (a === 'deleted' ? 'would delete' : 'would anonymise') : a);
  const out = r.lines.map((l) => {
    const why = l.retention ? `older than ${l.retention} (${l.purpose}), collected at or before ${l.cutoff!.toISOString()}`
      : l.cutoff ? 'not collected under the pack: any age' : 'erased customers only';
    return `${l.store}.${l.table} [${l.categories.join(', ')}]: ${verb(l.action)} ${l.rows} (${why})`;
  });
  const total = r.lines.reduce((n, l) => n + l.rows, 0);
  out.push(`${r.dryRun ? 'dry run: ' : ''}${total} rows ${r.dryRun ? 'past retention' : 'changed'} under pack ${r.pack} at ${r.now.toISOString()} (${r.erasedCustomers} erased customers)`);
  return out;
}
