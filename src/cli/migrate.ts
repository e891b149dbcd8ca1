import 'reflect-metadata';
import { loadConfig } from '../config';
import { closeStores, openStores, resolveDatabaseUrls } from '../stores/open-stores';

/**
 * `npm run migrate`: runs the committed migrations of all three stores (the configured databases,
 * or the embedded PostgreSQL). Production runs this as a Kubernetes Job before the Deployment.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { urls, cluster } = await resolveDatabaseUrls(config);
  try {
    const stores = await openStores(urls, { migrate: true });
    for (const [name, ds] of Object.entries(stores)) {
      const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM typeorm_migrations');
      process.stdout.write(`${name}: ${n} migrations applied\n`);
    }
    await closeStores(stores);
  } finally {
    await cluster?.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`migrate: ${err.message}\n`);
  process.exit(1);
});
