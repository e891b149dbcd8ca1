import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config';
import { loadPack } from '../../src/policy/load-pack';

/**
 * The Kubernetes manifests (k8s/) and the Dockerfile. Every overlay is rendered with
 * `kubectl kustomize` when kubectl is on PATH, otherwise with the small kustomize subset below
 * (the manifests use nothing else; where kubectl exists both renderings must agree). Every object
 * is validated against the Kubernetes schemas of the `kubernetes-models` package, strictly
 * (unknown fields are errors, as `kubectl apply` makes them), then the security and wiring rules
 * are checked. The last block removes each required property and shows the checks notice.
 * K8S_TEST_RENDERER=js forces the JS renderer.
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = path.resolve(__dirname, '../..');
const K8S = path.join(ROOT, 'k8s');
const OVERLAYS = { base: 'base', dev: 'overlays/dev', prod: 'overlays/prod' } as const;
type Overlay = keyof typeof OVERLAYS;
const SECRET = 'privacy-gateway-secrets';
/** The Secret's keys, as k8s/README.md documents them; `optional` ones may be absent. */
const SECRET_KEYS: Record<string, { optional: boolean; example: string }> = {
  GATEWAY_DATABASE_URL: { optional: false, example: 'postgres://gateway:pw@pg.example:5432/gateway' },
  CRM_DATABASE_URL: { optional: false, example: 'postgres://gateway:pw@pg.example:5432/crm' },
  BILLING_DATABASE_URL: { optional: false, example: 'postgres://gateway:pw@pg.example:5432/billing' },
  GATEWAY_JWKS_URL: { optional: false, example: 'https://idp.example/.well-known/jwks.json' },
  GATEWAY_JWT_ISSUER: { optional: true, example: 'https://idp.example/' },
};

// ---------------------------------------------------------------------------------------------
// Rendering

const kubectl = (() => {
  if (process.env.K8S_TEST_RENDERER === 'js') return false;
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
})();

function parseDocs(text: string, where: string): Obj[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`${where}: ${d.errors[0].message}`);
    return d.toJS() as Obj;
  }).filter((o) => o !== null && o !== undefined);
}

function renderWithKubectl(dir: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`);
  return parseDocs(r.stdout, `kubectl kustomize ${dir}`);
}

/** A resource while it is being built; `generated` = the generator's name (before the hash suffix). */
interface Res { obj: Obj; generated?: string }

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'configMapGenerator', 'images', 'patches']);
const NAMESPACED = new Set(['ServiceAccount', 'ConfigMap', 'Secret', 'Service', 'Deployment', 'Job', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']);

/** Like kustomize's default load restrictor: no file outside the kustomization's folder. */
function inside(dir: string, rel: string): string {
  const p = path.resolve(dir, rel);
  if (path.relative(dir, p).startsWith('..')) throw new Error(`${rel}: outside ${dir} (kustomize refuses it)`);
  return p;
}

function build(dir: string): Res[] {
  const k = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new Error(`${dir}/kustomization.yaml: "${key}" is outside the subset test/unit/k8s.test.ts renders; extend it or install kubectl`);
  }
  const res: Res[] = [];
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (fs.statSync(p).isDirectory()) res.push(...build(p));
    else res.push(...parseDocs(fs.readFileSync(inside(dir, r), 'utf8'), p).map((obj) => ({ obj })));
  }
  for (const g of k.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const f of g.files ?? []) {
      const [key, file] = f.includes('=') ? f.split('=', 2) : [path.basename(f), f];
      data[key] = fs.readFileSync(inside(dir, file), 'utf8');
    }
    for (const l of g.literals ?? []) data[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
    const labels = g.options?.labels;
    const behavior = g.behavior ?? 'create';
    if (behavior === 'create') {
      res.push({ obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name, ...(labels ? { labels: { ...labels } } : {}) }, data }, generated: g.name });
      continue;
    }
    const target = res.find((r) => r.generated === g.name);
    if (!target) throw new Error(`${dir}: configMapGenerator ${g.name} (${behavior}) has no base generator`);
    target.obj.data = behavior === 'merge' ? { ...target.obj.data, ...data } : data;
    if (labels) target.obj.metadata.labels = { ...target.obj.metadata.labels, ...labels };
  }
  for (const p of k.patches ?? []) {
    const patch = parse(p.path ? fs.readFileSync(inside(dir, p.path), 'utf8') : p.patch);
    const selected = (o: Obj) =>
      p.target
        ? (!p.target.kind || o.kind === p.target.kind) && (!p.target.name || o.metadata.name === p.target.name) &&
          (!p.target.group || o.apiVersion.startsWith(`${p.target.group}/`)) && (!p.target.version || o.apiVersion.endsWith(`/${p.target.version}`) || o.apiVersion === p.target.version)
        : o.kind === patch.kind && o.metadata.name === patch.metadata.name;
    const targets = res.filter((r) => selected(r.obj));
    if (!targets.length) throw new Error(`${dir}: patch ${p.path ?? ''} matches no resource`);
    for (const t of targets) t.obj = Array.isArray(patch) ? jsonPatch(t.obj, patch) : strategicMerge(t.obj, patch);
  }
  for (const img of k.images ?? []) {
    for (const r of res) {
      for (const c of containersOf(r.obj)) {
        const m = /^([^@]+?)(?::([^:/@]+))?(@.+)?$/.exec(c.image)!;
        if (m[1] !== img.name) continue;
        c.image = (img.newName ?? img.name) + (img.digest ? `@${img.digest}` : img.newTag ? `:${img.newTag}` : (m[2] ? `:${m[2]}` : '') + (m[3] ?? ''));
      }
    }
  }
  if (k.namespace) {
    for (const r of res) {
      if (!NAMESPACED.has(r.obj.kind)) throw new Error(`${dir}: is ${r.obj.kind} namespaced? Extend NAMESPACED`);
      r.obj.metadata.namespace = k.namespace;
    }
  }
  return res;
}

/** Strategic merge: maps merge, null deletes, lists of named things merge by their key, other lists are replaced. */
function strategicMerge(target: Obj, patch: Obj): Obj {
  const out: Obj = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`strategic-merge directive ${key} is outside the renderer's subset`);
    if (value === null) delete out[key];
    else if (Array.isArray(value) && Array.isArray(out[key])) out[key] = mergeList(key, out[key], value);
    else if (isMap(value) && isMap(out[key])) out[key] = strategicMerge(out[key], value);
    else out[key] = value;
  }
  return out;
}
const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function mergeList(field: string, target: Obj[], patch: Obj[]): Obj[] {
  const key = ({ containers: 'name', initContainers: 'name', env: 'name', volumes: 'name', volumeMounts: 'mountPath' } as Record<string, string>)[field] ??
    (field === 'ports' && patch.every((p) => isMap(p) && 'containerPort' in p) ? 'containerPort' : undefined);
  if (!key) return patch;
  const out = target.map((t) => ({ ...t }));
  for (const p of patch) {
    const i = out.findIndex((t) => t[key] === p[key]);
    if (i >= 0) out[i] = strategicMerge(out[i], p);
    else out.push(p);
  }
  return out;
}

/** RFC 6902 add / replace / remove. */
function jsonPatch(target: Obj, ops: Obj[]): Obj {
  const out = structuredClone(target);
  for (const op of ops) {
    const parts = String(op.path).split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent: Obj = out;
    for (const part of parts) parent = parent[part];
    if (parent === undefined) throw new Error(`JSON patch path ${op.path} does not exist`);
    if (op.op === 'add' && Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, op.value);
    else if (op.op === 'add' || op.op === 'replace') parent[last] = op.value;
    else if (op.op === 'remove') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else throw new Error(`JSON patch op ${op.op} is outside the renderer's subset`);
  }
  return out;
}

/** kustomize's name suffix (api/hasher): sha256 of Go's JSON of {data, kind, name}, first 10 hex digits, vowels mapped away. kustomize v5 hashes with an empty name. */
function kustomizeHash(cm: Obj): string {
  const goString = (s: string) => `"${[...s].map((ch) => {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') return `\\${ch}`;
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) return `\\u${c.toString(16).padStart(4, '0')}`;
    return ch;
  }).join('')}"`;
  const goJson = (v: unknown): string => typeof v === 'string' ? goString(v) : `{${Object.keys(v as Obj).sort().map((k) => `${goString(k)}:${goJson((v as Obj)[k])}`).join(',')}}`;
  const hex = createHash('sha256').update(goJson({ data: cm.data ?? {}, kind: 'ConfigMap', name: '' })).digest('hex');
  return hex.slice(0, 10).replace(/[013ae]/g, (c) => ({ 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' })[c as '0']);
}

function renderWithJs(dir: string): Obj[] {
  const res = build(dir);
  const renamed = new Map<string, string>();
  for (const r of res) {
    if (!r.generated) continue;
    r.obj.metadata.name = `${r.generated}-${kustomizeHash(r.obj)}`;
    renamed.set(r.generated, r.obj.metadata.name);
  }
  const rename = (ref: Obj | undefined) => {
    if (ref && renamed.has(ref.name)) ref.name = renamed.get(ref.name);
  };
  for (const r of res) {
    const spec = podSpecOf(r.obj);
    if (!spec) continue;
    for (const v of spec.volumes ?? []) rename(v.configMap);
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const e of c.envFrom ?? []) rename(e.configMapRef);
      for (const e of c.env ?? []) rename(e.valueFrom?.configMapKeyRef);
    }
  }
  return res.map((r) => r.obj);
}

const rendered = new Map<string, Obj[]>();
function render(overlay: Overlay): Obj[] {
  if (!rendered.has(overlay)) {
    const dir = path.join(K8S, OVERLAYS[overlay]);
    rendered.set(overlay, kubectl ? renderWithKubectl(dir) : renderWithJs(dir));
  }
  return structuredClone(rendered.get(overlay)!);
}

// ---------------------------------------------------------------------------------------------
// Schema validation: kubernetes-models' validators, plus unknown fields

function modelFor(apiVersion: string, kind: string): { prototype: { validate(): void } } | undefined {
  try {
    return require(`kubernetes-models/${apiVersion}`)[kind]; // eslint-disable-line @typescript-eslint/no-require-imports
  } catch {
    return undefined;
  }
}

/**
 * Validates with the package's generated validator, watching which properties it reads: a
 * property of an object it never looks at is not in the schema (a typo like `readinesProbe`),
 * unless the object is a map the validator enumerates (labels, data).
 */
function schemaProblems(obj: Obj): string[] {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  const Model = modelFor(obj.apiVersion, obj.kind);
  if (!Model) return [`${where}: no schema for ${obj.apiVersion} ${obj.kind}`];
  const seen = new Map<object, { read: Set<string>; enumerated: boolean }>();
  const proxies = new Map<object, object>();
  const wrap = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (proxies.has(v)) return proxies.get(v);
    const rec = { read: new Set<string>(), enumerated: false };
    seen.set(v, rec);
    const p = new Proxy(v, {
      get(t, k, r) {
        if (typeof k === 'string') rec.read.add(k);
        return wrap(Reflect.get(t, k, r));
      },
      has(t, k) {
        if (typeof k === 'string') rec.read.add(k);
        return Reflect.has(t, k);
      },
      ownKeys(t) {
        rec.enumerated = true;
        return Reflect.ownKeys(t);
      },
    });
    proxies.set(v, p);
    return p;
  };
  try {
    Model.prototype.validate.call(wrap(obj));
  } catch (e) {
    return [`${where}: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${at}[${i}]`));
    const rec = seen.get(v);
    for (const [k, x] of Object.entries(v)) {
      if (rec && !rec.enumerated && !rec.read.has(k)) problems.push(`${where}: ${at}.${k}: unknown field`);
      else walk(x, `${at}.${k}`);
    }
  };
  walk(obj, '');
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The rules

function podSpecOf(o: Obj): Obj | undefined {
  return o.kind === 'Deployment' || o.kind === 'Job' ? o.spec?.template?.spec : undefined;
}
function containersOf(o: Obj): Obj[] {
  const s = podSpecOf(o);
  return s ? [...(s.containers ?? []), ...(s.initContainers ?? [])] : [];
}
const one = (objs: Obj[], kind: string): Obj | undefined => objs.find((o) => o.kind === kind);
const selects = (selector: Obj | undefined, labels: Obj | undefined) =>
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

/** The environment a container gets: ConfigMaps through envFrom, literal values, the Secret (example values). */
function containerEnv(objs: Obj[], c: Obj, problems: string[], where: string): Record<string, string> {
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
      if (ref.name !== SECRET) problems.push(`${where}: ${e.name} comes from Secret ${ref.name}, not ${SECRET}`);
      const doc = SECRET_KEYS[ref.key];
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
  'GATEWAY_SEED_DEMO', 'GATEWAY_POLICY', 'GATEWAY_JWT_AUDIENCE', 'GATEWAY_JWT_ISSUER', 'GATEWAY_JWKS_URL', 'GATEWAY_JWT_SECRET', 'GATEWAY_MAX_BATCH', 'GATEWAY_POOL_SIZE', 'LOG_LEVEL'];
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
    const env = containerEnv(objs, c, p, at);
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
    } catch (e) {
      p.push(`${at}: the gateway would refuse this environment: ${(e as Error).message}`);
    }
  }
  return p;
}

function deploymentProblems(objs: Obj[], overlay: Overlay): string[] {
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

function jobProblems(objs: Obj[], overlay: Overlay): string[] {
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

function serviceProblems(objs: Obj[]): string[] {
  const s = one(objs, 'Service');
  const d = one(objs, 'Deployment');
  const j = one(objs, 'Job');
  if (!s || !d) return ['no Service'];
  const p: string[] = [];
  if ((s.spec.type ?? 'ClusterIP') !== 'ClusterIP') p.push(`Service: type ${s.spec.type}, expected ClusterIP`);
  if (!selects(s.spec.selector, d.spec.template.metadata.labels)) p.push('Service: selector does not select the Deployment\'s pods');
  if (j && selects(s.spec.selector, j.spec.template.metadata.labels)) p.push('Service: selector also selects the migration Job');
  const ports = d.spec.template.spec.containers[0].ports ?? [];
  const sp = (s.spec.ports ?? []).find((x: Obj) => x.port === 80);
  const target = typeof sp?.targetPort === 'string' ? ports.find((x: Obj) => x.name === sp.targetPort)?.containerPort : sp?.targetPort;
  if (target !== 4000) p.push('Service: port 80 must reach container port 4000');
  return p;
}

function scalingProblems(objs: Obj[], overlay: Overlay): string[] {
  const d = one(objs, 'Deployment');
  const hpa = one(objs, 'HorizontalPodAutoscaler');
  const pdb = one(objs, 'PodDisruptionBudget');
  const p: string[] = [];
  if (!d || !hpa) return ['no HorizontalPodAutoscaler'];
  if (hpa.apiVersion !== 'autoscaling/v2') p.push('HPA: must be autoscaling/v2');
  if (hpa.spec.scaleTargetRef?.kind !== 'Deployment' || hpa.spec.scaleTargetRef?.name !== d.metadata.name) p.push('HPA: must scale the Deployment');
  const cpu = (hpa.spec.metrics ?? []).find((m: Obj) => m.type === 'Resource' && m.resource?.name === 'cpu');
  if (cpu?.resource?.target?.type !== 'Utilization' || cpu.resource.target.averageUtilization !== 70) p.push('HPA: CPU utilization target 70% missing');
  const { minReplicas: min, maxReplicas: max } = hpa.spec;
  const bounds = { base: [3, 10], dev: [1, 2], prod: [3, Infinity] }[overlay];
  if (!(min >= bounds[0] && max >= min && (overlay === 'prod' ? max >= 10 : max === bounds[1]) && (overlay !== 'base' || min === 3))) p.push(`HPA: bounds ${min}..${max} do not fit the ${overlay} overlay`);
  if (d.spec.replicas !== min) p.push(`Deployment replicas (${d.spec.replicas}) must equal the HPA's minReplicas (${min})`);
  if (!pdb) return [...p, 'no PodDisruptionBudget'];
  if (!selects(pdb.spec.selector?.matchLabels, d.spec.template.metadata.labels)) p.push('PDB: must select the Deployment\'s pods');
  const ok = pdb.spec.maxUnavailable === 1 || (pdb.spec.minAvailable === 2 && min > 2);
  if (!ok) p.push('PDB: maxUnavailable 1 (or minAvailable 2 below minReplicas) required, so drains go one pod at a time and never block');
  return p;
}

function networkProblems(objs: Obj[]): string[] {
  const np = objs.filter((o) => o.kind === 'NetworkPolicy');
  const p: string[] = [];
  for (const w of ['Deployment', 'Job']) {
    const labels = one(objs, w)?.spec.template.metadata.labels;
    if (!np.some((n) => selects(n.spec.podSelector?.matchLabels, labels))) p.push(`NetworkPolicy: none selects the ${w}'s pods`);
  }
  for (const n of np) {
    const at = `NetworkPolicy/${n.metadata.name}`;
    for (const t of ['Ingress', 'Egress']) if (!(n.spec.policyTypes ?? []).includes(t)) p.push(`${at}: policyTypes must include ${t}`);
    const ingress = n.spec.ingress ?? [];
    const clientLabels = [{ 'privacy-gateway/client': 'true' }, { 'privacy-gateway/monitoring': 'true' }].map((l) => JSON.stringify(l));
    if (!ingress.some((r: Obj) => (r.from ?? []).some((f: Obj) => JSON.stringify(f.namespaceSelector?.matchLabels) === clientLabels[0]))) p.push(`${at}: no ingress from namespaces labelled privacy-gateway/client=true`);
    for (const [i, r] of ingress.entries()) {
      if (!(r.from ?? []).length) p.push(`${at}: ingress[${i}] has no "from": it admits every source`);
      for (const f of r.from ?? []) {
        if (Object.keys(f).join() !== 'namespaceSelector' || f.namespaceSelector.matchExpressions || !clientLabels.includes(JSON.stringify(f.namespaceSelector.matchLabels))) {
          p.push(`${at}: ingress[${i}] admits ${JSON.stringify(f)}; only namespaces labelled privacy-gateway/client or privacy-gateway/monitoring may connect`);
        }
      }
      if (!(r.ports ?? []).length || r.ports.some((x: Obj) => x.port !== 4000 || (x.protocol ?? 'TCP') !== 'TCP')) p.push(`${at}: ingress[${i}] must be limited to TCP 4000`);
    }
    const egress = n.spec.egress ?? [];
    const seen = new Set<string>();
    for (const [i, r] of egress.entries()) {
      if (!(r.to ?? []).length) p.push(`${at}: egress[${i}] has no "to": it reaches everything`);
      if (!(r.ports ?? []).length) p.push(`${at}: egress[${i}] has no ports`);
      const ports = (r.ports ?? []).map((x: Obj) => `${x.protocol ?? 'TCP'}/${x.port}`);
      const dns = ports.every((x: string) => x === 'UDP/53' || x === 'TCP/53');
      for (const x of ports) {
        if (!['UDP/53', 'TCP/53', 'TCP/5432', 'TCP/443'].includes(x)) p.push(`${at}: egress[${i}] opens ${x}; only DNS, PostgreSQL and the JWKS endpoint`);
        seen.add(x);
      }
      for (const t of r.to ?? []) {
        if (t.ipBlock && (/^(0\.0\.0\.0|::)\/0$/.test(t.ipBlock.cidr) || Number(t.ipBlock.cidr.split('/')[1]) < 8)) p.push(`${at}: egress[${i}] to ${t.ipBlock.cidr}: far too wide`);
        if (!t.ipBlock && !Object.keys(t.namespaceSelector?.matchLabels ?? {}).length) p.push(`${at}: egress[${i}] to ${JSON.stringify(t)}: name the namespaces by label`);
        if (dns && t.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] !== 'kube-system') p.push(`${at}: DNS only to kube-system`);
      }
    }
    for (const x of ['UDP/53', 'TCP/5432', 'TCP/443']) if (!seen.has(x)) p.push(`${at}: no egress rule for ${x}`);
  }
  return p;
}

function problems(objs: Obj[], overlay: Overlay): string[] {
  return [
    ...objs.flatMap(schemaProblems),
    ...deploymentProblems(objs, overlay),
    ...jobProblems(objs, overlay),
    ...serviceProblems(objs),
    ...scalingProblems(objs, overlay),
    ...networkProblems(objs),
  ];
}

// ---------------------------------------------------------------------------------------------
// Tests

describe.each(Object.keys(OVERLAYS) as Overlay[])(`k8s/%s (rendered with ${kubectl ? 'kubectl kustomize' : 'the JS kustomize subset'})`, (overlay) => {
  test('renders the expected objects', () => {
    const kinds = render(overlay).map((o) => o.kind).sort();
    expect(kinds).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
  });

  test('every object is valid against the Kubernetes schema and every rule holds', () => {
    expect(problems(render(overlay), overlay)).toEqual([]);
  });

  test('nothing secret is in the rendered manifests: no Secret object, no credentials in ConfigMaps', () => {
    const objs = render(overlay);
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    const text = JSON.stringify(objs.filter((o) => o.kind === 'ConfigMap').map((o) => o.data));
    expect(text).not.toMatch(/postgres(ql)?:\/\/|DATABASE_URL|JWKS_URL|JWT_SECRET|password/i);
  });

  (kubectl ? test : test.skip)('the JS renderer (used where kubectl is missing) agrees with kubectl kustomize', () => {
    const norm = (objs: Obj[]) => {
      const text = JSON.stringify(objs).replace(/(privacy-gateway-(?:policy|env))-[a-z0-9]{10}\b/g, '$1-HASH');
      return Object.fromEntries((JSON.parse(text) as Obj[]).map((o) => [`${o.kind}/${o.metadata.name}`, o]));
    };
    const dir = path.join(K8S, OVERLAYS[overlay]);
    const js = renderWithJs(dir);
    expect(norm(js)).toEqual(norm(renderWithKubectl(dir)));
    // kustomize v5's suffixes (checked with v5.5.0); an older kustomize may hash differently.
    const names = (objs: Obj[]) => objs.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name).sort();
    if (/v5\./.test(spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).stdout)) expect(names(js)).toEqual(names(renderWithKubectl(dir)));
  });
});

test('overlays: dev logs at debug level; prod pins a registry image; all three use their own namespace', () => {
  const env = (o: Overlay) => render(o).find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('privacy-gateway-env-'))!.data;
  expect(env('dev').LOG_LEVEL).toBe('debug');
  expect(env('prod').LOG_LEVEL).toBe('info');
  expect(new Set(render('dev').map((o) => o.metadata.namespace))).toEqual(new Set(['privacy-gateway-dev']));
  expect(new Set(render('prod').map((o) => o.metadata.namespace))).toEqual(new Set(['privacy-gateway']));
  expect(one(render('prod'), 'Deployment')!.spec.template.spec.containers[0].image).toBe('registry.example.com/privacy/privacy-gateway:0.1.0');
});

test('the policy ConfigMap holds policies/smarttech.yaml byte for byte (cp policies/smarttech.yaml k8s/base/policy.yaml after editing the pack)', () => {
  expect(fs.readFileSync(path.join(K8S, 'base/policy.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'policies/smarttech.yaml'), 'utf8'));
  const cm = render('base').find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('privacy-gateway-policy-'))!;
  expect(cm.data['policy.yaml']).toBe(fs.readFileSync(path.join(ROOT, 'policies/smarttech.yaml'), 'utf8'));
});

test('the first deploy step (k8s/README.md: -l "app.kubernetes.io/component notin (server)") has the Job and all it needs, and no server object', () => {
  const objs = render('prod');
  const first = objs.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] !== 'server');
  const job = one(first, 'Job')!;
  const spec = job.spec.template.spec;
  expect(first.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === spec.serviceAccountName)).toBe(true);
  for (const ef of spec.containers[0].envFrom) expect(first.some((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef.name)).toBe(true);
  expect(first.map((o) => o.kind).filter((k) => ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(k))).toEqual([]);
});

test('k8s/README.md documents every key of the Secret', () => {
  const readme = fs.readFileSync(path.join(K8S, 'README.md'), 'utf8');
  for (const key of Object.keys(SECRET_KEYS)) expect(readme).toContain(key);
  expect(readme).toContain(SECRET);
});

test('Dockerfile: multi-stage, numeric non-root user matching the manifests, port and command matching the Deployment', () => {
  const lines = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const froms = lines.map((l, i) => [l, i] as const).filter(([l]) => /^FROM\s/i.test(l));
  expect(froms.length).toBeGreaterThanOrEqual(2);
  const runtime = lines.slice(froms[froms.length - 1][1]);
  const text = lines.join('\n');
  expect(text).toMatch(/RUN npm ci\b/);
  expect(text).toMatch(/tsc -p \./);
  expect(text).toMatch(/npm prune --omit=dev/);
  const user = runtime.filter((l) => /^USER\s/i.test(l)).pop()?.split(/\s+/)[1] ?? '';
  expect(user).toMatch(/^\d+(:\d+)?$/); // numeric, so runAsNonRoot can verify it
  const uid = Number(user.split(':')[0]);
  expect(uid).not.toBe(0);
  const d = one(render('prod'), 'Deployment')!;
  expect(d.spec.template.spec.securityContext.runAsUser).toBe(uid);
  expect(runtime).toContain('EXPOSE 4000');
  const cmd = runtime.filter((l) => /^CMD\s/i.test(l)).pop()!;
  expect(JSON.parse(cmd.replace(/^CMD\s+/i, ''))).toEqual(d.spec.template.spec.containers[0].command);
  for (const what of ['dist', 'node_modules', 'policies', 'package.json']) expect(runtime.some((l) => /^COPY\s/i.test(l) && l.includes(what))).toBe(true);
  const ignore = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
  for (const entry of ['node_modules', '.data', 'dist', 'test-output', '.git']) expect(ignore).toContain(entry);
});

describe('the checks fail when a required property is removed', () => {
  const container = (objs: Obj[], kind = 'Deployment') => one(objs, kind)!.spec.template.spec.containers[0];
  const netpol = (objs: Obj[]) => one(objs, 'NetworkPolicy')!.spec;
  const mutations: [string, (o: Obj[]) => void, RegExp][] = [
    ['runAsNonRoot removed', (o) => { delete container(o).securityContext.runAsNonRoot; delete one(o, 'Deployment')!.spec.template.spec.securityContext.runAsNonRoot; }, /runAsNonRoot must be true/],
    ['runAsUser 0', (o) => { container(o).securityContext.runAsUser = 0; }, /runAsUser must be a non-root uid/],
    ['readOnlyRootFilesystem removed', (o) => { delete container(o).securityContext.readOnlyRootFilesystem; }, /readOnlyRootFilesystem must be true/],
    ['allowPrivilegeEscalation true', (o) => { container(o).securityContext.allowPrivilegeEscalation = true; }, /allowPrivilegeEscalation must be false/],
    ['capabilities not dropped', (o) => { delete container(o).securityContext.capabilities; }, /capabilities must drop ALL/],
    ['a capability added', (o) => { container(o).securityContext.capabilities.add = ['NET_ADMIN']; }, /capabilities added/],
    ['seccomp profile removed', (o) => { delete container(o).securityContext.seccompProfile; delete one(o, 'Deployment')!.spec.template.spec.securityContext.seccompProfile; }, /seccompProfile must be RuntimeDefault/],
    ['the Job loses its securityContext', (o) => { delete container(o, 'Job').securityContext; }, /Job\/privacy-gateway-migrate container migrate: readOnlyRootFilesystem/],
    ['readinessProbe removed', (o) => { delete container(o).readinessProbe; }, /readinessProbe missing/],
    ['livenessProbe on /readyz (a database outage would restart every pod)', (o) => { container(o).livenessProbe.httpGet.path = '/readyz'; }, /livenessProbe must GET \/healthz/],
    ['startupProbe removed', (o) => { delete container(o).startupProbe; }, /startupProbe missing/],
    ['memory limit removed', (o) => { delete container(o).resources.limits.memory; }, /resources\.limits\.memory missing/],
    ['resource requests removed', (o) => { delete container(o).resources.requests; }, /resources\.requests\.cpu missing/],
    ['HOST left at the loopback default', (o) => { container(o).env = container(o).env.filter((e: Obj) => e.name !== 'HOST'); }, /HOST must be 0\.0\.0\.0/],
    ['a database URL as a literal', (o) => { container(o).env.find((e: Obj) => e.name === 'CRM_DATABASE_URL').valueFrom = undefined; container(o).env.find((e: Obj) => e.name === 'CRM_DATABASE_URL').value = 'postgres://u:p@h/crm'; }, /CRM_DATABASE_URL must come from the Secret/],
    ['the JWKS URL dropped (production refuses to start)', (o) => { container(o).env = container(o).env.filter((e: Obj) => e.name !== 'GATEWAY_JWKS_URL'); }, /refuse this environment: Invalid setting GATEWAY_JWKS_URL/],
    ['a misspelt setting', (o) => { container(o).env.push({ name: 'GATEWAY_POOLSIZE', value: '5' }); }, /GATEWAY_POOLSIZE is not a setting the gateway reads/],
    ['the policy volume removed', (o) => { container(o).volumeMounts = container(o).volumeMounts.filter((m: Obj) => m.name !== 'policy'); }, /GATEWAY_POLICY .* is not a file of a mounted ConfigMap/],
    ['an invalid policy pack', (o) => { o.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('privacy-gateway-policy'))!.data['policy.yaml'] = 'pack: {}\n'; }, /policy pack in ConfigMap .* is invalid/],
    ['topologySpreadConstraints removed', (o) => { delete one(o, 'Deployment')!.spec.template.spec.topologySpreadConstraints; }, /topologySpreadConstraints/],
    ['terminationGracePeriodSeconds removed', (o) => { delete one(o, 'Deployment')!.spec.template.spec.terminationGracePeriodSeconds; }, /terminationGracePeriodSeconds/],
    ['service account token mounted', (o) => { delete one(o, 'Deployment')!.spec.template.spec.automountServiceAccountToken; }, /automountServiceAccountToken must be false/],
    ['image :latest', (o) => { container(o).image = 'registry.example.com/privacy/privacy-gateway:latest'; }, /image tag latest/],
    ['Job without ttlSecondsAfterFinished', (o) => { delete one(o, 'Job')!.spec.ttlSecondsAfterFinished; }, /ttlSecondsAfterFinished missing/],
    ['Service pointing at another port', (o) => { one(o, 'Service')!.spec.ports[0].targetPort = 8080; }, /port 80 must reach container port 4000/],
    ['HPA on memory instead of CPU', (o) => { one(o, 'HorizontalPodAutoscaler')!.spec.metrics[0].resource.name = 'memory'; }, /CPU utilization target 70% missing/],
    ['PDB removed', (o) => { o.splice(o.findIndex((x) => x.kind === 'PodDisruptionBudget'), 1); }, /no PodDisruptionBudget/],
    ['NetworkPolicy ingress "from" removed (every source admitted)', (o) => { delete netpol(o).ingress[0].from; }, /ingress\[0\] has no "from"/],
    ['NetworkPolicy ingress from every namespace', (o) => { netpol(o).ingress[0].from = [{ namespaceSelector: {} }]; }, /only namespaces labelled privacy-gateway\/client/],
    ['NetworkPolicy ingress from a pod selector', (o) => { netpol(o).ingress[1].from.push({ podSelector: { matchLabels: { app: 'x' } } }); }, /ingress\[1\] admits/],
    ['NetworkPolicy egress to the whole internet', (o) => { netpol(o).egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] }); }, /0\.0\.0\.0\/0: far too wide/],
    ['NetworkPolicy egress without ports', (o) => { delete netpol(o).egress[1].ports; }, /egress\[1\] has no ports/],
    ['NetworkPolicy egress policy type removed', (o) => { netpol(o).policyTypes = ['Ingress']; }, /policyTypes must include Egress/],
    ['a field misspelt (unknown to the schema)', (o) => { const c = container(o); c.readinesProbe = c.readinessProbe; delete c.readinessProbe; }, /containers\[0\]\.readinesProbe: unknown field/],
    ['a metadata field misspelt', (o) => { const d = one(o, 'Deployment')!; d.metadata.lables = d.metadata.labels; delete d.metadata.labels; }, /Deployment\/privacy-gateway: \.metadata\.lables: unknown field/],
    ['a pod securityContext field misspelt', (o) => { one(o, 'Job')!.spec.template.spec.securityContext.runAsNonroot = true; }, /securityContext\.runAsNonroot: unknown field/],
    ['a NetworkPolicy field misspelt', (o) => { const n = netpol(o); n.egres = n.egress; delete n.egress; }, /NetworkPolicy\/privacy-gateway: \.spec\.egres: unknown field/],
    ['a field of the wrong type', (o) => { one(o, 'Deployment')!.spec.replicas = 'three'; }, /replicas must be integer/],
    ['an invalid quantity', (o) => { container(o).resources.limits.cpu = 'lots'; }, /limits\/cpu must match format "quantity"/],
  ];

  test('the unmodified prod rendering passes', () => {
    expect(problems(render('prod'), 'prod')).toEqual([]);
  });

  test.each(mutations)('%s', (_name, mutate, expected) => {
    const objs = render('prod');
    mutate(objs);
    const found = problems(objs, 'prod');
    expect(found.some((m) => expected.test(m)) ? expected : found).toEqual(expected);
  });
});
