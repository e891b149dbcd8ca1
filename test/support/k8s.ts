import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/**
 * Rendering the Kubernetes manifests (k8s/) for test/unit/k8s-*.test.ts. Every overlay is rendered
 * with `kubectl kustomize` when kubectl is on PATH, otherwise with the small kustomize subset below
 * (the manifests use nothing else; where kubectl exists both renderings must agree).
 * K8S_TEST_RENDERER=js forces the JS renderer. The checks are in ./k8s-rules.ts.
 */

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const ROOT = path.resolve(__dirname, '../..');
export const K8S = path.join(ROOT, 'k8s');
export const OVERLAYS = { base: 'base', dev: 'overlays/dev', prod: 'overlays/prod' } as const;
export type Overlay = keyof typeof OVERLAYS;
/** The container's metrics port (GATEWAY_METRICS_PORT, production's default): GET /metrics only, for the monitoring namespace only. */
export const METRICS_PORT = 9464;
/** The Deployment's Secret: the runtime role's connection strings (and the JWKS URL). */
export const SECRET = 'privacy-gateway-secrets';
/** The Secret's keys, as k8s/README.md documents them; `optional` ones may be absent. */
export const SECRET_KEYS: Record<string, { optional: boolean; example: string }> = {
  GATEWAY_DATABASE_URL: { optional: false, example: 'postgres://privacy_gateway_app:pw@pg.example:5432/gateway' },
  CRM_DATABASE_URL: { optional: false, example: 'postgres://privacy_gateway_app:pw@pg.example:5432/crm' },
  BILLING_DATABASE_URL: { optional: false, example: 'postgres://privacy_gateway_app:pw@pg.example:5432/billing' },
  GATEWAY_JWKS_URL: { optional: false, example: 'https://idp.example/.well-known/jwks.json' },
  GATEWAY_JWT_ISSUER: { optional: true, example: 'https://idp.example/' },
};
/** The migration Job's Secret: the owner's connection strings (two roles, README "For security teams"). */
export const OWNER_SECRET = 'privacy-gateway-owner';
export const OWNER_SECRET_KEYS: Record<string, { optional: boolean; example: string }> = {
  GATEWAY_DATABASE_URL: { optional: false, example: 'postgres://privacy_gateway_owner:pw@pg.example:5432/gateway' },
  CRM_DATABASE_URL: { optional: false, example: 'postgres://privacy_gateway_owner:pw@pg.example:5432/crm' },
  BILLING_DATABASE_URL: { optional: false, example: 'postgres://privacy_gateway_owner:pw@pg.example:5432/billing' },
  GATEWAY_JWKS_URL: { optional: false, example: 'https://idp.example/.well-known/jwks.json' },
};

// ---------------------------------------------------------------------------------------------
// Rendering

export const kubectl = (() => {
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

export function renderWithKubectl(dir: string): Obj[] {
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
    if (!SUPPORTED.has(key)) throw new Error(`${dir}/kustomization.yaml: "${key}" is outside the subset test/support/k8s.ts renders; extend it or install kubectl`);
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

export function renderWithJs(dir: string): Obj[] {
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
export function render(overlay: Overlay): Obj[] {
  if (!rendered.has(overlay)) {
    const dir = path.join(K8S, OVERLAYS[overlay]);
    rendered.set(overlay, kubectl ? renderWithKubectl(dir) : renderWithJs(dir));
  }
  return structuredClone(rendered.get(overlay)!);
}

// ---------------------------------------------------------------------------------------------
// Finding things in rendered objects

export function podSpecOf(o: Obj): Obj | undefined {
  return o.kind === 'Deployment' || o.kind === 'Job' ? o.spec?.template?.spec : undefined;
}
export function containersOf(o: Obj): Obj[] {
  const s = podSpecOf(o);
  return s ? [...(s.containers ?? []), ...(s.initContainers ?? [])] : [];
}
export const one = (objs: Obj[], kind: string): Obj | undefined => objs.find((o) => o.kind === kind);
