import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { loadPack } from '../../src/policy/load-pack';
import { containersOf, METRICS_PORT, Obj, one, Overlay, OWNER_SECRET, OWNER_SECRET_KEYS, podSpecOf, ROOT, SECRET, SECRET_KEYS } from './k8s';

/**
 * The rules for the gateway's workloads, the Deployment and the migration Job: what each must run
 * and how (probes, the policy pack, the migration command), and the security and environment every
 * pod of theirs must have. ./k8s-rules.ts applies them along with the schema validation and the
 * rules for the Service, autoscaling and NetworkPolicy.
 */

export const selects = (selector: Obj | undefined, labels: Obj | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

function cores(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(q));
  return m ? Number(m[1]) / (m[2] ? 1000 : 1) : NaN;
}
function bytes(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 } as Record<string, number>;
  return m ? Number(m[1]) * (m[2] ? unit[m[2]] : 1) : NaN;
}

/**
 * The Secret each workload may read: the Deployment the runtime role's, the migration Job the
 * owner's. A server holding the owner's credentials could rewrite the log; a Job with the runtime
 * role's could not migrate.
 */
const SECRET_OF: Record<string, { name: string; keys: typeof SECRET_KEYS }> = {
  Deployment: { name: SECRET, keys: SECRET_KEYS },
  Job: { name: OWNER_SECRET, keys: OWNER_SECRET_KEYS },
};

/** The environment a container gets: ConfigMaps through envFrom, literal values, its Secret (example values). */
function containerEnv(objs: Obj[], c: Obj, problems: string[], where: string, kind: string): Record<string, string> {
  const secret = SECRET_OF[kind];
  const env: Record<string, string> = {};
  for (const ef of c.envFrom ?? []) {
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef?.name);
    if (!cm) problems.push(`${where}: envFrom names a ConfigMap that is not rendered: ${JSON.stringify(ef)}`);
    else Object.assign(env, cm.data);
  }
  for (const e of c.env ?? []) {
    if ('value' in e) env[e.name] = String(e.value);
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      if (ref.name !== secret.name) problems.push(`${where}: ${e.name} comes from Secret ${ref.name}, not ${secret.name}`);
      const doc = secret.keys[ref.key];
      if (!doc) problems.push(`${where}: ${e.name} reads undocumented Secret key ${ref.key}`);
      else if (doc.optional !== !!ref.optional) problems.push(`${where}: Secret key ${ref.key} should${doc.optional ? '' : ' not'} be optional`);
      else env[e.name] = doc.example;
    }
    const cmRef = e.valueFrom?.configMapKeyRef;
    if (cmRef) {
      const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cmRef.name);
      if (!cm || !(cmRef.key in (cm.data ?? {}))) problems.push(`${where}: ${e.name} names a missing ConfigMap key ${cmRef.name}/${cmRef.key}`);
      else env[e.name] = cm.data[cmRef.key];
    }
  }
  return env;
}

const CONFIG_KEYS = ['GATEWAY_ENV', 'HOST', 'PORT', 'GATEWAY_DATABASE_URL', 'CRM_DATABASE_URL', 'BILLING_DATABASE_URL', 'GATEWAY_DATA_DIR', 'EMBEDDED_PG_PORT',
  'GATEWAY_SEED_DEMO', 'GATEWAY_POLICY', 'GATEWAY_JWT_AUDIENCE', 'GATEWAY_JWT_ISSUER', 'GATEWAY_JWKS_URL', 'GATEWAY_JWT_SECRET', 'GATEWAY_MAX_BATCH', 'GATEWAY_POOL_SIZE', 'GATEWAY_METRICS_PORT', 'LOG_LEVEL'];
const READERS = ['src/config.ts', 'ormconfig.ts', 'src/log.ts', 'src/boot.ts'].map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');

/** Security properties every pod of the gateway has (server and migration Job). */
function podProblems(objs: Obj[], w: Obj, overlay: Overlay): string[] {
  const where = `${w.kind}/${w.metadata.name}`;
  const p: string[] = [];
  const spec = podSpecOf(w)!;
  const psc = spec.securityContext ?? {};
  if (spec.automountServiceAccountToken !== false) p.push(`${where}: automountServiceAccountToken must be false`);
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) p.push(`${where}: host namespaces`);
  if ((spec.volumes ?? []).some((v: Obj) => v.hostPath)) p.push(`${where}: hostPath volume`);
  const tmp = (spec.volumes ?? []).find((v: Obj) => v.emptyDir);
  for (const c of containersOf(w)) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext ?? {};
    const eff = (k: string) => (k in sc ? sc[k] : psc[k]);
    if (eff('runAsNonRoot') !== true) p.push(`${at}: runAsNonRoot must be true`);
    if (!(Number(eff('runAsUser')) >= 10000)) p.push(`${at}: runAsUser must be a non-root uid >= 10000 (the image's 10001)`);
    if (sc.readOnlyRootFilesystem !== true) p.push(`${at}: readOnlyRootFilesystem must be true`);
    if (sc.allowPrivilegeEscalation !== false) p.push(`${at}: allowPrivilegeEscalation must be false`);
    if (sc.privileged === true) p.push(`${at}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) p.push(`${at}: capabilities must drop ALL`);
    if ((sc.capabilities?.add ?? []).length) p.push(`${at}: capabilities added: ${sc.capabilities.add}`);
    if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== 'RuntimeDefault') p.push(`${at}: seccompProfile must be RuntimeDefault`);
    const r = c.resources ?? {};
    for (const kind of ['requests', 'limits']) for (const res of ['cpu', 'memory']) if (!r[kind]?.[res]) p.push(`${at}: resources.${kind}.${res} missing`);
    if (cores(r.requests?.cpu) > cores(r.limits?.cpu)) p.push(`${at}: cpu request above limit`);
    if (bytes(r.requests?.memory) > bytes(r.limits?.memory)) p.push(`${at}: memory request above limit`);
    if (!tmp || !(c.volumeMounts ?? []).some((m: Obj) => m.mountPath === '/tmp' && m.name === tmp.name)) p.push(`${at}: /tmp must be an emptyDir (the root filesystem is read-only)`);
    if (overlay === 'prod' && !/^[^/]+\/.+(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/.test(c.image)) p.push(`${at}: prod image must name a registry and pin a tag or digest: ${c.image}`);
    if (/:latest$/.test(c.image)) p.push(`${at}: image tag latest`);
    const env = containerEnv(objs, c, p, at, w.kind);
    for (const e of c.env ?? []) {
      if (/DATABASE_URL|JWKS|SECRET|ISSUER/.test(e.name) && !e.valueFrom?.secretKeyRef) p.push(`${at}: ${e.name} must come from the Secret, not a literal`);
    }
    for (const name of Object.keys(env)) {
      if (!READERS.includes(name) && name !== 'NODE_ENV') p.push(`${at}: ${name} is not a setting the gateway reads (src/config.ts, ormconfig.ts)`);
    }
    // The environment passes the gateway's own start-up validation, in production mode.
    const blank = Object.fromEntries(CONFIG_KEYS.map((k) => [k, '']));
    try {
      const config = loadConfig({ ...blank, ...env });
      if (config.env !== 'production') p.push(`${at}: GATEWAY_ENV must be production`);
      if (w.kind === 'Deployment' && config.metricsPort !== METRICS_PORT) p.push(`${at}: the gateway would serve /metrics on port ${config.metricsPort}, not the container port "metrics" (${METRICS_PORT})`);
    } catch (e) {
      p.push(`${at}: the gateway would refuse this environment: ${(e as Error).message}`);
    }
  }
  return p;
}

export function deploymentProblems(objs: Obj[], overlay: Overlay): string[] {
  const d = one(objs, 'Deployment');
  if (!d) return ['no Deployment'];
  const p: string[] = [];
  const spec = d.spec.template.spec;
  const labels = d.spec.template.metadata?.labels;
  const c = spec.containers?.[0] ?? {};
  const expected = { base: 3, dev: 1, prod: 3 }[overlay];
  if (overlay === 'prod' ? !(d.spec.replicas >= expected) : d.spec.replicas !== expected) p.push(`Deployment: replicas ${d.spec.replicas}, expected ${overlay === 'prod' ? 'at least ' : ''}${expected}`);
  if (!selects(d.spec.selector?.matchLabels, labels)) p.push('Deployment: selector does not match its pod labels');
  if (JSON.stringify(c.command) !== JSON.stringify(['node', 'dist/src/main.js'])) p.push(`Deployment: command ${JSON.stringify(c.command)}`);
  const port = (c.ports ?? []).find((x: Obj) => x.containerPort === 4000);
  if (!port) p.push('Deployment: container port 4000 missing');
  if ((c.ports ?? []).find((x: Obj) => x.name === 'metrics')?.containerPort !== METRICS_PORT) p.push(`Deployment: container port "metrics" (${METRICS_PORT}, GATEWAY_METRICS_PORT) missing`);
  const scrape = d.spec.template.metadata?.annotations ?? {};
  if (scrape['prometheus.io/scrape'] === 'true' && scrape['prometheus.io/port'] !== String(METRICS_PORT)) p.push(`Deployment: prometheus.io/port must be the metrics port ${METRICS_PORT}, not ${scrape['prometheus.io/port']}`);
  const portOf = (probe: Obj | undefined) => (typeof probe?.httpGet?.port === 'string' ? (c.ports ?? []).find((x: Obj) => x.name === probe.httpGet.port)?.containerPort : probe?.httpGet?.port);
  for (const [name, pathExpected] of [['readinessProbe', '/readyz'], ['livenessProbe', '/healthz'], ['startupProbe', '/healthz']] as const) {
    const probe = c[name];
    if (!probe?.httpGet) p.push(`Deployment: ${name} missing (an HTTP GET of ${pathExpected})`);
    else if (probe.httpGet.path !== pathExpected) p.push(`Deployment: ${name} must GET ${pathExpected}, not ${probe.httpGet.path}`);
    else if (portOf(probe) !== 4000) p.push(`Deployment: ${name} must probe port 4000`);
  }
  const env = Object.fromEntries((c.env ?? []).filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
  if (env.HOST !== '0.0.0.0') p.push('Deployment: HOST must be 0.0.0.0 (the default listens on loopback only)');
  if (env.GATEWAY_ENV !== 'production') p.push('Deployment: GATEWAY_ENV must be production');
  if (env.PORT !== undefined && env.PORT !== '4000') p.push('Deployment: PORT must match the container port');
  // The policy pack: GATEWAY_POLICY is a file of a mounted ConfigMap, and the pack in it is valid.
  const mount = (c.volumeMounts ?? []).find((m: Obj) => env.GATEWAY_POLICY?.startsWith(`${m.mountPath}/`));
  const volume = mount && (spec.volumes ?? []).find((v: Obj) => v.name === mount.name && v.configMap);
  const item = volume && (volume.configMap.items ?? []).find((i: Obj) => `${mount.mountPath}/${i.path}` === env.GATEWAY_POLICY);
  const cm = item && objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
  if (!env.GATEWAY_POLICY || !item || !cm?.data?.[item.key]) p.push(`Deployment: GATEWAY_POLICY (${env.GATEWAY_POLICY}) is not a file of a mounted ConfigMap`);
  else {
    if (!mount.readOnly) p.push('Deployment: the policy mount must be readOnly');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-pack-'));
    const file = path.join(dir, 'policy.yaml');
    fs.writeFileSync(file, cm.data[item.key]);
    try {
      loadPack(file);
    } catch (e) {
      p.push(`Deployment: the policy pack in ConfigMap ${cm.metadata.name} is invalid: ${(e as Error).message}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!(spec.topologySpreadConstraints ?? []).some((t: Obj) => selects(t.labelSelector?.matchLabels, labels))) p.push('Deployment: topologySpreadConstraints must spread its own pods');
  if (!(spec.terminationGracePeriodSeconds > 5)) p.push('Deployment: terminationGracePeriodSeconds must be set (above the 5 s preStop)');
  return [...p, ...podProblems(objs, d, overlay)];
}

export function jobProblems(objs: Obj[], overlay: Overlay): string[] {
  const j = one(objs, 'Job');
  if (!j) return ['no migration Job'];
  const p: string[] = [];
  const c = j.spec.template.spec.containers?.[0] ?? {};
  if (JSON.stringify(c.command) !== JSON.stringify(['node', 'dist/src/cli/migrate.js'])) p.push(`Job: command must be node dist/src/cli/migrate.js, got ${JSON.stringify(c.command)}`);
  if (!fs.existsSync(path.join(ROOT, 'src/cli/migrate.ts'))) p.push('Job: src/cli/migrate.ts is gone');
  if (c.image !== one(objs, 'Deployment')?.spec.template.spec.containers[0].image) p.push('Job: must run the Deployment\'s image');
  if (typeof j.spec.backoffLimit !== 'number') p.push('Job: backoffLimit missing');
  if (typeof j.spec.ttlSecondsAfterFinished !== 'number') p.push('Job: ttlSecondsAfterFinished missing');
  if (!['Never', 'OnFailure'].includes(j.spec.template.spec.restartPolicy)) p.push('Job: restartPolicy');
  return [...p, ...podProblems(objs, j, overlay)];
}
