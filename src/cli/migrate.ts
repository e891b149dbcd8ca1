import 'reflect-metadata';
import { loadConfig } from '../config';
import { closeStores, openStores, resolveDatabaseUrls } from '../stores/open-stores';

/**
 * `npm run migrate`: runs the committed migrations of all three stores (the configured databases,
 * or the embedded PostgreSQL, the one `npm start` runs if it does). Production runs this as a
 * Kubernetes Job before the Deployment, with the owner's connection strings: the migrations create
 * and own the tables and grant the runtime role (GATEWAY_RUNTIME_ROLE) what the gateway needs.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { ownerUrls, cluster } = await resolveDatabaseUrls(config);
  try {
    const stores = await openStores(ownerUrls, { migrate: true, runtimeRole: config.runtimeRole });
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
