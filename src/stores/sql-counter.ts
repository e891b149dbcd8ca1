import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';
import { requestStats } from '../http/request-context';
import { log } from '../log';

/**
 * TypeORM logger that counts statements per request and logs query errors without parameters
 * (parameters are personal data).
 */
export class SqlCounter extends AbstractLogger {
  override logQuery(): void {
    countStatement();
  }

  override logQueryError(error: string | Error): void {
    log.warn('sql error', { error: error instanceof Error ? error.message : error });
  }

  protected writeLog(_level: LogLevel, _message: LogMessage | LogMessage[]): void {
    // Only counting and errors; everything else is silent.
  }
}

/** Counts one statement against the current request (also for the few sent to pg directly). */
export function countStatement(): void {
  const stats = requestStats.getStore();
  if (stats) stats.sqlStatements++;
}
