import './boot';
import path from 'node:path';
import { AddressInfo } from 'node:net';
import { describeConfig, loadConfig, ConfigError, PROJECT_ROOT } from './config';
import { closeStores, openStores, resolveDatabaseUrls, Stores } from './stores/open-stores';
import { createGateway } from './app';
import { loadPack, PackError } from './policy/load-pack';
import { loadDemoDataset } from './stores/demo/loader';
import { signDevToken } from './cli/token';
import { log, setLogLevel } from './log';

/**
 * Start-up order only: config -> stores (embedded PostgreSQL when no URLs are set) -> migrations
 * -> demo data on first start -> pack + schema -> HTTP. Ctrl-C stops everything, PostgreSQL last.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.logLevel);
  const pack = loadPack(config.policyPath);
  log.info('starting', describeConfig(config));
  const { urls, cluster } = await resolveDatabaseUrls(config);
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
      if (stores) await closeStores(stores);
    } finally {
      await cluster?.stop();
      process.exit(0);
    }
  };
  let gateway: Awaited<ReturnType<typeof createGateway>> | null = null;
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  stores = await openStores(urls, { migrate: config.env === 'development' });
  if (cluster && config.seedDemo) {
    const consentPurposes = Object.values(pack.purposes).filter((p) => p.lawfulBasis === 'consent').map((p) => p.key);
    const loaded = await loadDemoDataset(stores, consentPurposes);
    if (loaded) log.info('demo dataset loaded', { customers: 50 });
  }
  gateway = await createGateway(config, stores);
  await new Promise<void>((resolve) => gateway!.server.listen(config.port, config.host, resolve));
  const { port } = gateway.server.address() as AddressInfo; // PORT=0 picks a free port
  const url = `http://${config.host}:${port}/graphql`;
  log.info('listening', { url, policy: pack.id });
  if (cluster) await printWelcome(config, url, cluster.dir, pack);
}

async function printWelcome(config: ReturnType<typeof loadConfig>, url: string, pgDir: string, pack: ReturnType<typeof loadPack>): Promise<void> {
  const caller = Object.values(pack.callers).find((c) => c.id === 'crm-service') ?? Object.values(pack.callers).find((c) => c.roles.includes('service') && c.purposes.length);
  if (!caller) return;
  const token = await signDevToken({ caller: caller.id, roles: [...caller.roles], ttlSeconds: 8 * 3600, config });
  const purpose = caller.purposes[0];
  const query = JSON.stringify({ query: '{ customer(id: "cus_1_000001") { id firstName lastName emails { address } phones { number } } }' });
  process.stdout.write(
    [
      '',
      `Privacy-data gateway (policy pack "${pack.id}") at ${url}`,
      `Embedded PostgreSQL data folder: ${pgDir}`,
      `Policy pack: ${path.relative(PROJECT_ROOT, pack.file)}`,
      '',
      `Development token for caller "${caller.id}" (8 h):`,
      `  export TOKEN=${token}`,
      '',
      'Read a customer:',
      `  curl -s ${url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'x-purpose: ${purpose}' \\`,
      `    -d '${query}'`,
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
  log.error('start-up failed', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
