import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';
import { requestStats } from '../http/request-context';
import { errorFields, log } from '../log';

/**
 * TypeORM logger that counts statements per request and logs query errors by code, without
 * parameters or message (either can hold personal data).
 */
export class SqlCounter extends AbstractLogger {
  override logQuery(): void {
    countStatement();
  }

  override logQueryError(error: string | Error): void {
    // A string is PostgreSQL's message, which can quote the input: only an error object's code is logged.
    log.warn('sql error', typeof error === 'string' ? { error: 'database error' } : errorFields(error));
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
