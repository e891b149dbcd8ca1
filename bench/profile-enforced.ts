import '../src/boot';
import { setLogLevel } from '../src/log';
import { startBenchEnv } from './setup';
import { createGateway } from '../src/app';
import { loadSubjects } from '../src/stores/demo/loader';
import { customerId } from '../src/stores/demo/generator';
import { signDevToken } from '../src/cli/token';
import { drive } from './harness';
import { EVERY_FIELD } from './enforcement.bench';

/** Profiling aid: `node --cpu-prof dist/bench/profile-enforced.js` runs one build under load. */
(async () => {
  setLogLevel('warn');
  const env = await startBenchEnv();
  await loadSubjects(env.stores, { subjects: 100, seed: 99, now: new Date('2026-11-01T00:00:00Z'), consentPurposes: ['marketing'] });
  const enforce = process.env.PROFILE_BUILD !== 'unenforced';
  // PROFILE_LOG=1: the real access-log writer instead of a no-op.
  const g = await createGateway(env.config, env.stores, { enforce, ...(process.env.PROFILE_LOG ? {} : { logWriter: { append: async () => undefined, close: async () => undefined } }) });
  await new Promise<void>((r) => g.server.listen(0, '127.0.0.1', r));
  const ids = Array.from({ length: 100 }, (_, i) => customerId(i, 99));
  const headers = { authorization: `Bearer ${await signDevToken({ caller: 'dpo-console', roles: ['dpo'], ttlSeconds: 3600, config: env.config })}`, 'x-purpose': 'data_subject_request' };
  const t = Date.now();
  const r = await drive(g.server, { requests: 60, concurrency: 1, body: JSON.stringify({ query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids } }), headers });
  console.log(enforce ? 'enforced' : 'unenforced', Date.now() - t, 'ms', 'p50', r.latenciesMs[30].toFixed(1));
  await g.close();
  await env.close();
})();
