import '../src/boot';
import os from 'node:os';
import { setLogLevel } from '../src/log';
import { startBenchEnv } from './setup';
import { benchEnforcement } from './enforcement.bench';
import { benchLogThroughput } from './log-throughput.bench';
import { benchExport } from './export.bench';
import { benchAccessLogQueries } from './access-log-query.bench';

/**
 * `npm run bench`: every performance target, each as a ratio against a baseline measured in the
 * same run on the same machine. `BENCH_ONLY=enforcement,log,export,logquery` picks parts
 * (logquery generates 10M rows: minutes).
 */
async function main(): Promise<void> {
  setLogLevel('warn');
  const only = new Set((process.env.BENCH_ONLY ?? 'enforcement,log,export,logquery').split(','));
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}\n`);
  const env = await startBenchEnv();
  try {
    if (only.has('enforcement')) await benchEnforcement(env);
    if (only.has('log')) await benchLogThroughput(env);
    if (only.has('export')) await benchExport(env);
    if (only.has('logquery')) await benchAccessLogQueries(env);
  } finally {
    await env.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
