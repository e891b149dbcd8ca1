import 'reflect-metadata';
import { DataSource, DataSourceOptions, Logger } from 'typeorm';
import { CustomerRow } from './src/stores/crm/customer.entity';
import { EmailRow, PhoneRow, PostalAddressRow, SocialAccountRow } from './src/stores/crm/contact.entity';
import { AccountRow, CallLogRow, CommunicationRow, HealthDeclarationRow, LoginEventRow } from './src/stores/crm/activity.entity';
import { CrmInitial1764050000000 } from './src/stores/crm/migrations/1764050000000-CrmInitial';
import { LoginEventsAccountIndex1764100000000 } from './src/stores/crm/migrations/1764100000000-LoginEventsAccountIndex';
import { BankAccountRow, InvoiceRow, OrderRow, PaymentCardRow } from './src/stores/billing/billing.entity';
import { BillingInitial1764050000000 } from './src/stores/billing/migrations/1764050000000-BillingInitial';
import { InvoicesOrderIndex1764100000000 } from './src/stores/billing/migrations/1764100000000-InvoicesOrderIndex';
import { BillingRuntimeGrants1764140000000 } from './src/stores/billing/migrations/1764140000000-BillingRuntimeGrants';
import { CrmRuntimeGrants1764140000000 } from './src/stores/crm/migrations/1764140000000-CrmRuntimeGrants';
import { RuntimeRole1764140000000 } from './src/stores/gateway/migrations/1764140000000-RuntimeRole';
import { ROLE_NAME, RUNTIME_ROLE_SETTING } from './src/stores/runtime-role';
import { BoundedClient, StatementBoundOptions } from './src/stores/statement-bound';
import { ConsentEventRow, ErasureRow, ObjectionEventRow, RectificationEventRow, RestrictionEventRow } from './src/stores/gateway/state.entity';
import { GatewayInitial1764050000000 } from './src/stores/gateway/migrations/1764050000000-GatewayInitial';
import { AccessLogFields1764060000000 } from './src/stores/gateway/migrations/1764060000000-AccessLogFields';
import { AccessLogChain1764070000000 } from './src/stores/gateway/migrations/1764070000000-AccessLogChain';
import { ProtectLogPartitions1764075000000 } from './src/stores/gateway/migrations/1764075000000-ProtectLogPartitions';
import { AccessLogIndexes1764080000000 } from './src/stores/gateway/migrations/1764080000000-AccessLogIndexes';
import { RightsRequests1764090000000 } from './src/stores/gateway/migrations/1764090000000-RightsRequests';
import { AccessLogChainOrder1764110000000 } from './src/stores/gateway/migrations/1764110000000-AccessLogChainOrder';
import { AccessLogDecisionRows1764120000000 } from './src/stores/gateway/migrations/1764120000000-AccessLogDecisionRows';
import { AccessLogChainDigest1764130000000 } from './src/stores/gateway/migrations/1764130000000-AccessLogChainDigest';

/**
 * The three TypeORM DataSources: the gateway's own database and the two personal-data stores it
 * sits in front of. Each has its own connection string, entities and committed migrations;
 * `synchronize` is never on: schema changes are migrations, run by `npm run migrate` (or on start
 * in development).
 */
export type StoreName = 'gateway' | 'crm' | 'billing';

export const STORE_DEFINITIONS: Record<StoreName, Pick<DataSourceOptions, 'entities' | 'migrations'>> = {
  gateway: {
    entities: [ConsentEventRow, ObjectionEventRow, RestrictionEventRow, RectificationEventRow, ErasureRow],
    migrations: [GatewayInitial1764050000000, AccessLogFields1764060000000, AccessLogChain1764070000000, ProtectLogPartitions1764075000000, AccessLogIndexes1764080000000, RightsRequests1764090000000, AccessLogChainOrder1764110000000, AccessLogDecisionRows1764120000000, AccessLogChainDigest1764130000000, RuntimeRole1764140000000],
  },
  crm: {
    entities: [CustomerRow, EmailRow, PhoneRow, PostalAddressRow, SocialAccountRow, AccountRow, LoginEventRow, CommunicationRow, CallLogRow, HealthDeclarationRow],
    migrations: [CrmInitial1764050000000, LoginEventsAccountIndex1764100000000, CrmRuntimeGrants1764140000000],
  },
  billing: {
    entities: [BankAccountRow, PaymentCardRow, OrderRow, InvoiceRow],
    migrations: [BillingInitial1764050000000, InvoicesOrderIndex1764100000000, BillingRuntimeGrants1764140000000],
  },
};

/**
 * `runtimeRole`: the role the migrations grant to (GATEWAY_RUNTIME_ROLE), passed to them as the
 * connection's setting privacy_gateway.runtime_role (src/stores/runtime-role.ts); unset, they use
 * the default name. `statementTimeoutMs` / `longStatementTimeoutMs`: the client-side statement
 * bounds (src/stores/statement-bound.ts); unset (the command-line tools), statements are unbounded.
 */
export function dataSourceFor(store: StoreName, url: string, logger?: Logger, opts: { runtimeRole?: string } & StatementBoundOptions = {}): DataSource {
  if (opts.runtimeRole !== undefined && !ROLE_NAME.test(opts.runtimeRole)) throw new Error(`bad runtime role name ${opts.runtimeRole}`);
  const runtimeRole = opts.runtimeRole ? ` -c ${RUNTIME_ROLE_SETTING}=${opts.runtimeRole}` : '';
  return new DataSource({
    type: 'postgres',
    name: store,
    url,
    ...STORE_DEFINITIONS[store],
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    logger,
    logging: logger ? ['query', 'error'] : false,
    extra: {
      max: Number(process.env.GATEWAY_POOL_SIZE ?? 10),
      // Fail fast instead of hanging when a store is down: readiness and 503s depend on it.
      connectionTimeoutMillis: 3000,
      // A server that stops answering a statement: the connection is given up after the bound
      // (src/stores/statement-bound.ts), not waited on until the request's own timeout.
      Client: BoundedClient,
      statementTimeoutMs: opts.statementTimeoutMs ?? 0,
      longStatementTimeoutMs: opts.longStatementTimeoutMs ?? 0,
      // A frozen server or network must not hold a connection (or the access-log lock) forever.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      options: `-c idle_in_transaction_session_timeout=30000${runtimeRole}`,
      application_name: `privacy-gateway:${store}`,
    },
  });
}

/** For the TypeORM CLI: the DataSources from the environment's connection strings. */
const cliRole = { runtimeRole: process.env.GATEWAY_RUNTIME_ROLE || undefined };
export const gatewayDataSource = process.env.GATEWAY_DATABASE_URL ? dataSourceFor('gateway', process.env.GATEWAY_DATABASE_URL, undefined, cliRole) : undefined;
export const crmDataSource = process.env.CRM_DATABASE_URL ? dataSourceFor('crm', process.env.CRM_DATABASE_URL, undefined, cliRole) : undefined;
export const billingDataSource = process.env.BILLING_DATABASE_URL ? dataSourceFor('billing', process.env.BILLING_DATABASE_URL, undefined, cliRole) : undefined;
