import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Per-request counters that code far from the HTTP layer can reach without threading them
 * through every call: the SQL statement count (asserted in tests, reported in the bench).
 */
export interface RequestStats {
  sqlStatements: number;
}

export const requestStats = new AsyncLocalStorage<RequestStats>();
