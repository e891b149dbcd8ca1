import './boot';
import path from 'node:path';
import { AddressInfo } from 'node:net';
import { describeConfig, loadConfig, ConfigError, PROJECT_ROOT } from './config';
import { closeStores, openStores, resolveDatabaseUrls, Stores, unsafeStorePrivileges } from './stores/open-stores';
import type { EmbeddedConnection } from './db/embedded-postgres';
import { createGateway } from './app';
import { loadPack, PackError } from './policy/load-pack';
import { loadDemoDataset } from './stores/demo/loader';
import { signDevToken } from './cli/token';
import { log, setLogLevel, errorFields } from './log';
import { Checkpointer, loadCheckpointKey, startCheckpointer } from './audit/checkpointer';
import { verifierKey } from './audit/checkpoint';

/**
 * Start-up order only: config -> stores (embedded PostgreSQL when no URLs are set) -> migrations
 * -> demo data on first start -> pack + schema -> HTTP. Ctrl-C stops everything, PostgreSQL last.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.logLevel);
  const pack = loadPack(config.policyPath);
  log.info('starting', describeConfig(config));
  // The checkpoint signing key before anything else: production refuses to start without one.
  const checkpointKey = loadCheckpointKey(config);
  log.info('checkpoint signing key', { file: checkpointKey.file, generated: checkpointKey.generated, verifierKey: verifierKey(checkpointKey.key) });
  if (checkpointKey.generated) process.stdout.write(`Checkpoint signing key generated: ${checkpointKey.file}\nIts public (verifier) key: ${verifierKey(checkpointKey.key)}\n`);
  const { urls, ownerUrls, embedded, cluster } = await resolveDatabaseUrls(config);
  let stores: Stores | null = null;
  const stop = async (signal: string) => {
    log.info('stopping', { signal });
    // A drain stuck on a dead connection must not keep the process (and its port) forever.
    setTimeout(() => {
      log.error('shutdown did not finish in 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    gateway?.server.closeIdleConnections();
    try {
      await gateway?.close();
      await checkpointer?.close(); // after the log writer drained: the last checkpoint covers every answered request
      if (stores) await closeStores(stores);
    } finally {
      await cluster?.stop();
      process.exit(0);
    }
  };
  let gateway: Awaited<ReturnType<typeof createGateway>> | null = null;
  let checkpointer: Checkpointer | null = null;
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  if (embedded) {
    // The owner (in development the embedded superuser) migrates and loads the demo data; the
    // gateway itself connects as the runtime role. Configured databases are migrated by
    // `npm run migrate` with the owner's connection strings, never by the gateway.
    const owner = await openStores(ownerUrls, { migrate: true, runtimeRole: config.runtimeRole });
    try {
      if (config.seedDemo) {
        const consentPurposes = Object.values(pack.purposes).filter((p) => p.lawfulBasis === 'consent').map((p) => p.key);
        const loaded = await loadDemoDataset(owner, consentPurposes);
        if (loaded) log.info('demo dataset loaded', { customers: 50 });
      }
    } finally {
      await closeStores(owner);
    }
  }
  // Every statement bounded (src/stores/statement-bound.ts): a store that stops answering is a
  // prompt 503, not a request timeout.
  stores = await openStores(urls, { migrate: false, statementTimeoutMs: config.storeTimeouts.statementMs, longStatementTimeoutMs: config.storeTimeouts.exportStatementMs });
  // A role that owns the log or may change it would make the log's protection void: refuse to run.
  const unsafe = await unsafeStorePrivileges(stores);
  if (unsafe.length) {
    log.error('refusing to start: the database role has privileges the gateway must not have', { problems: unsafe });
    await closeStores(stores);
    await cluster?.stop();
    process.exit(1);
  }
  const c = config.checkpoints;
  checkpointer = await startCheckpointer(stores.gateway, { dir: c.dir, key: checkpointKey.key, replica: c.replica, intervalMs: c.intervalMs, witnessUrl: c.witnessUrl });
  gateway = await createGateway(config, stores);
  // The metrics listener first (production: GATEWAY_METRICS_PORT, default 9464; GET /metrics only), so
  // "listening" means both are up. A port in use fails the start-up.
  const metricsServer = gateway.metricsServer;
  if (metricsServer && config.metricsPort !== null) {
    await new Promise<void>((resolve, reject) => {
      metricsServer.once('error', reject);
      metricsServer.listen(config.metricsPort!, config.host, () => {
        metricsServer.off('error', reject);
        resolve();
      });
    });
    log.info('metrics listening', { url: `http://${config.host}:${(metricsServer.address() as AddressInfo).port}/metrics` });
  }
  await new Promise<void>((resolve) => gateway!.server.listen(config.port, config.host, resolve));
  const { port } = gateway.server.address() as AddressInfo; // PORT=0 picks a free port
  const url = `http://${config.host}:${port}/graphql`;
  log.info('listening', { url, policy: pack.id });
  if (embedded) await printWelcome(config, url, embedded, pack);
}

async function printWelcome(config: ReturnType<typeof loadConfig>, url: string, pg: EmbeddedConnection, pack: ReturnType<typeof loadPack>): Promise<void> {
  const caller = Object.values(pack.callers).find((c) => c.id === 'crm-service') ?? Object.values(pack.callers).find((c) => c.roles.includes('service') && c.purposes.length);
  if (!caller) return;
  const token = await signDevToken({ caller: caller.id, roles: [...caller.roles], ttlSeconds: 8 * 3600, config });
  const purpose = caller.purposes[0];
  const query = JSON.stringify({ query: '{ customer(id: "cus_1_000001") { id firstName lastName emails { address } phones { number } } }' });
  const shown = (dir: string) => (path.relative(PROJECT_ROOT, dir).startsWith('..') ? dir : path.relative(PROJECT_ROOT, dir) || '.');
  process.stdout.write(
    [
      '',
      `Privacy-data gateway (policy pack "${pack.id}") at ${url}`,
      `Embedded PostgreSQL data folder: ${pg.dir} (port ${pg.port}); its two roles, for psql and the CLIs:`,
      `  owner (migrations, prune; a superuser here):  ${pg.urlFor('gateway')}`,
      `  runtime (the gateway's own connection):      ${pg.runtimeUrlFor('gateway')}`,
      '  (also /crm and /billing.) While this runs, `npm run audit -- verify`, `npm run retention -- sweep --dry-run`,',
      '  `npm run seed` and `npm run migrate` use this server.',
      `Policy pack: ${path.relative(PROJECT_ROOT, pack.file)}`,
      '',
      `Development token for caller "${caller.id}" (8 h):`,
      `  export TOKEN=${token}`,
      '',
      'Read a customer:',
      `  curl -s ${url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'x-purpose: ${purpose}' \\`,
      `    -d '${query}'`,
      '',
      `Signed checkpoints of the access log go to ${shown(config.checkpoints.dir)}; check the log against them:`,
      `  npm run audit -- verify --checkpoints ${shown(config.checkpoints.dir)}`,
      '',
      'Ctrl-C stops the gateway and PostgreSQL.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof PackError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  log.error('start-up failed', errorFields(err));
  process.exit(1);
});
