import '../src/boot';
import { setLogLevel } from '../src/log';
import { startBenchEnv } from './setup';
import { createGateway } from '../src/app';
import { loadSubjects } from '../src/stores/demo/loader';
import { customerId } from '../src/stores/demo/generator';
import { signDevToken } from '../src/cli/token';
import { drive } from './harness';
import { EVERY_FIELD } from './enforcement.bench';

/**
 * Profiling aid: `node --cpu-prof dist/bench/profile-enforced.js` runs one build under load, one
 * client, 60 requests of `customers(ids: 100)` with every field. Prints the p50 and the process's
 * CPU per request (gateway and the load worker). PROFILE_BUILD=unenforced for the baseline build,
 * PROFILE_LOG=1 for the real access-log writer instead of a no-op.
 */
(async () => {
  setLogLevel('warn');
  const env = await startBenchEnv();
  await loadSubjects(env.stores, { subjects: 100, seed: 99, now: new Date('2026-11-01T00:00:00Z'), consentPurposes: ['marketing'] });
  const enforce = process.env.PROFILE_BUILD !== 'unenforced';
  const g = await createGateway(env.config, env.stores, { enforce, ...(process.env.PROFILE_LOG ? {} : { logWriter: { append: async () => undefined, close: async () => undefined } }) });
  await new Promise<void>((r) => g.server.listen(0, '127.0.0.1', r));
  const ids = Array.from({ length: 100 }, (_, i) => customerId(i, 99));
  const headers = { authorization: `Bearer ${await signDevToken({ caller: 'dpo-console', roles: ['dpo'], ttlSeconds: 3600, config: env.config })}`, 'x-purpose': 'data_subject_request' };
  const t = Date.now();
  const cpu = process.cpuUsage();
  const r = await drive(g.server, { requests: 60, concurrency: 1, body: JSON.stringify({ query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids } }), headers });
  const used = process.cpuUsage(cpu);
  const build = `${enforce ? 'enforced' : 'unenforced'}${process.env.PROFILE_LOG ? '+log' : ''}`;
  console.log(`${build}: ${Date.now() - t} ms for 60 requests, p50 ${r.latenciesMs[30].toFixed(1)} ms, CPU ${((used.user + used.system) / 60 / 1000).toFixed(1)} ms per request`);
  await g.close();
  await env.close();
})();
