import { Client, ClientConfig } from 'pg';
import { QueryRunner } from 'typeorm';

/**
 * Client-side bounds on statements: how long the gateway waits for PostgreSQL to answer one
 * statement before it gives up on the connection.
 *
 * A server-side `statement_timeout` cannot do this: a server that is frozen (SIGSTOP, a host gone
 * without closing its sockets, a network partition) runs no timer and sends nothing, and TCP
 * keep-alive does not notice a stopped process whose kernel still answers. So the bound is kept
 * here, by the driver's client: a statement not answered within it fails with
 * `StatementTimeoutError` (code STATEMENT_TIMEOUT, which the edge answers as the store's 503), and
 * its connection is closed at once (`client.end()` destroys the socket of a connection with a
 * statement in flight), so the pool never hands a connection that may still be busy or dead to the
 * next request: the next one opens a new connection, bounded by the pool's connection timeout.
 *
 * Every pool of `dataSourceFor` uses this client (pg-pool's documented `Client` option). The pool's
 * bound (`statementTimeoutMs`, 0 = none) applies to every statement; the gateway's own pools get
 * GATEWAY_STORE_STATEMENT_TIMEOUT_MS, the command-line tools (migrations, the retention sweep,
 * `audit verify`, `audit prune`, `seed`) none. Operations that legitimately run long take a
 * connection of their own and lift the bound on it until they release it: the exports
 * (`allowLongStatements`: GATEWAY_EXPORT_STATEMENT_TIMEOUT_MS, once their snapshot is open) and
 * the access-log writer (`setStatementBound`: its commit timeout).
 */
export interface StatementBoundOptions {
  /** Every statement of the pool's connections; 0 = unbounded. */
  statementTimeoutMs?: number;
  /** What `allowLongStatements` gives a connection (the exports' pages); 0 = unbounded. */
  longStatementTimeoutMs?: number;
}

export class StatementTimeoutError extends Error {
  readonly code = 'STATEMENT_TIMEOUT';
  constructor(ms: number) {
    super(`The database did not answer a statement within ${ms} ms; its connection was closed`);
    this.name = 'StatementTimeoutError';
  }
}

interface Override {
  owner: QueryRunner;
  ms: number;
}

export class BoundedClient extends Client {
  private readonly poolBoundMs: number;
  readonly longBoundMs: number;
  /** A bound set for one query runner's lease of this connection; dropped once that runner is released. */
  private override: Override | null = null;

  constructor(config: ClientConfig & StatementBoundOptions) {
    super(config);
    this.poolBoundMs = config.statementTimeoutMs ?? 0;
    this.longBoundMs = config.longStatementTimeoutMs ?? 0;
  }

  /** The bound of the next statement: the lease's, else the pool's. */
  boundMs(): number {
    if (this.override?.owner.isReleased) this.override = null;
    return this.override ? this.override.ms : this.poolBoundMs;
  }

  setBound(owner: QueryRunner, ms: number): void {
    this.override = { owner, ms };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const base = (...a: any[]) => (super.query as (...b: any[]) => any)(...a);
    const ms = this.boundMs();
    // Submittables (cursors, streams) pace themselves: not bounded here. The gateway uses none.
    if (!ms || typeof (args[0] as { submit?: unknown } | undefined)?.submit === 'function') return base(...args);
    const giveUp = () => {
      // A statement in flight: end() destroys the socket, fails whatever is queued behind it
      // ("Connection terminated") and marks the client ended, so the pool removes it on release.
      this.end().catch(() => undefined);
      return new StatementTimeoutError(ms);
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      // The callback form: pg-pool's own pool.query (the customer-state read) uses it.
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        (last as (err: Error) => void)(giveUp());
      }, ms);
      return base(...args.slice(0, -1), (err: Error | null, res: unknown) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        (last as (err: Error | null, res: unknown) => void)(err, res);
      });
    }
    // The promise form, which TypeORM uses for every statement.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(giveUp()), ms);
    });
    return Promise.race([base(...args) as Promise<unknown>, late]).finally(() => clearTimeout(timer));
  }
}

function clientOf(qr: QueryRunner): BoundedClient | null {
  const client = (qr as unknown as { databaseConnection?: unknown }).databaseConnection;
  return client instanceof BoundedClient ? client : null;
}

/**
 * Bounds the statements of this query runner's connection by `ms` (0 = unbounded) instead of the
 * pool's bound, until the runner is released. The runner must be connected (`qr.connect()`);
 * a connection of a pool made without this client (none in the gateway) is left as it is.
 */
export function setStatementBound(qr: QueryRunner, ms: number): void {
  clientOf(qr)?.setBound(qr, ms);
}

/** Gives this connected runner's statements the pool's long bound (the exports' pages), until it is released. */
export function allowLongStatements(qr: QueryRunner): void {
  const client = clientOf(qr);
  client?.setBound(qr, client.longBoundMs);
}
