import { parseArgs, ParseArgsConfig } from 'node:util';
import type { EmbeddedCluster } from '../db/embedded-postgres';
import { Config, ConfigError } from '../config';
import { closeStores, openStores, resolveDatabaseUrls, Stores } from '../stores/open-stores';
import { PackError } from '../policy/load-pack';
import { log, errorFields } from '../log';

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

/**
 * Runs `work` on the migrated stores, then closes them and stops the cluster whatever happened.
 * With no URL configured: the embedded PostgreSQL already running on the data folder (`npm
 * start`), or one started here and stopped at the end; it is migrated as its owner, and `work`
 * gets the role `as` says: `owner` for what only the owner may do (`audit prune` drops partitions),
 * `runtime` (the gateway's role) for the rest. With configured URLs `work` gets them, whichever
 * role they name; `as: 'owner'` migrates them first, `runtime` only checks that no migration is
 * pending. A failure is logged by its code (errorFields: a query error's message may quote personal
 * data) as "`what` failed" and exits 1, unless `expected` gives it an exit code of its own.
 */
export async function withStores(
  config: Config, what: string, work: (stores: Stores) => Promise<number>, expected?: (err: unknown) => number | null, opts: { as: 'owner' | 'runtime' } = { as: 'owner' },
): Promise<number> {
  let cluster: EmbeddedCluster | null = null;
  let stores: Stores | null = null;
  try {
    const resolved = await resolveDatabaseUrls(config);
    cluster = resolved.cluster;
    if (resolved.embedded && opts.as === 'runtime') await closeStores(await openStores(resolved.ownerUrls, { migrate: true, runtimeRole: config.runtimeRole }));
    const urls = opts.as === 'owner' ? resolved.ownerUrls : resolved.urls;
    stores = await openStores(urls, { migrate: opts.as === 'owner', runtimeRole: config.runtimeRole });
    if (opts.as === 'runtime') {
      for (const [name, ds] of Object.entries(stores)) {
        if (await ds.showMigrations()) throw new Error(`the ${name} database has migrations pending: run \`npm run migrate\` with the owner's connection strings first`);
      }
    }
    return await work(stores);
  } catch (err) {
    const code = expected?.(err);
    if (code !== undefined && code !== null) return code;
    log.error(`${what} failed`, errorFields(err));
    return 1;
  } finally {
    if (stores) await closeStores(stores).catch(() => undefined);
    if (cluster) await stopCluster(cluster).catch(() => undefined);
  }
}

export function runCli(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      log.error(`${name} failed`, errorFields(err));
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

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The command line of a CLI that runs one command (`audit verify`, `retention sweep`): options
 * parsed strictly, `--help` as HelpRequested, exactly one of `commands`; anything else is a
 * UsageError naming what was expected.
 */
export function parseCommandLine<O extends Options>(argv: string[], options: O, commands: readonly string[]) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if ((values as { help?: unknown }).help) throw new HelpRequested();
  const expected = commands.length > 1 ? `${commands.slice(0, -1).join(', ')} or ${commands[commands.length - 1]}` : commands[0];
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `one command expected, got "${positionals.join(' ')}"` : `a command is required: ${expected}`);
  if (!commands.includes(positionals[0])) throw new UsageError(`unknown command "${positionals[0]}": ${expected}`);
  return { command: positionals[0], values };
}
