import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { K8S, kubectl, Obj, one, Overlay, OVERLAYS, render, renderWithJs, renderWithKubectl, ROOT, SECRET, SECRET_KEYS, OWNER_SECRET, OWNER_SECRET_KEYS } from '../support/k8s';
import { problems } from '../support/k8s-rules';

/**
 * The Kubernetes manifests (k8s/) and the Dockerfile. Every overlay is rendered (test/support/k8s.ts:
 * `kubectl kustomize` when kubectl is on PATH, otherwise a small kustomize subset; where kubectl
 * exists both renderings must agree), every object is validated against the Kubernetes schemas and
 * the security and wiring rules are checked (test/support/k8s-rules.ts). k8s-checks.test.ts removes
 * each required property and shows the checks notice. K8S_TEST_RENDERER=js forces the JS renderer.
 */

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

test('k8s/README.md documents both Secrets and every key of each', () => {
  const readme = fs.readFileSync(path.join(K8S, 'README.md'), 'utf8');
  for (const key of [...Object.keys(SECRET_KEYS), ...Object.keys(OWNER_SECRET_KEYS)]) expect(readme).toContain(key);
  expect(readme).toContain(SECRET);
  expect(readme).toContain(OWNER_SECRET);
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
