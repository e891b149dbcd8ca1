import fs from 'node:fs';
import type { EmbeddedCluster } from '../../src/db/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as Record<string, unknown>).__TEST_CLUSTER__ as EmbeddedCluster | undefined;
  if (cluster) {
    await cluster.stop();
    fs.rmSync(cluster.dir, { recursive: true, force: true });
  }
}
