import type { EmbeddedCluster } from '../db/embedded-postgres';
import { ConfigError } from '../config';
import { PackError } from '../policy/load-pack';
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

/** A command-line mistake: reported with the usage line, exit code 2. */
export class UsageError extends Error {}
/** `--help`: the usage line on stdout, exit code 0. */
export class HelpRequested extends Error {}

/** Exit code for a failure to parse arguments or configuration; rethrows anything else. */
export function startupExitCode(name: string, usage: string, err: unknown): number {
  if (err instanceof HelpRequested) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`${name}: ${err.message}\n${usage}\n`);
    return 2;
  }
  if (err instanceof ConfigError || err instanceof PackError) {
    process.stderr.write(`${name}: ${err.message}\n`);
    return 2;
  }
  throw err;
}
