import type { EmbeddedCluster } from '../db/embedded-postgres';
import { log } from '../log';

/**
 * What every command that opens the stores shares: a bounded stop of the embedded PostgreSQL
 * (a hung stop must not keep a finished command alive), and one way to run `main` and turn its
 * result into an exit code.
 */
export async function stopCluster(cluster: EmbeddedCluster): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([cluster.stop(), new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))]);
  clearTimeout(timer);
}

export function runCli(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      log.error(`${name} failed`, { error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
}
