import { METRICS_PORT, Obj, one, Overlay } from './k8s';
import { deploymentProblems, jobProblems, selects } from './k8s-workload-rules';

/**
 * The checks of test/unit/k8s-*.test.ts on rendered manifests (./k8s.ts): every object is
 * validated against the Kubernetes schemas of the `kubernetes-models` package, strictly (unknown
 * fields are errors, as `kubectl apply` makes them), then the security and wiring rules are checked.
 */

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
// The rules (those of the Deployment and the migration Job, with the pod security they share, are
// in ./k8s-workload-rules.ts)

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
  for (const x of s.spec.ports ?? []) {
    const to = typeof x.targetPort === 'string' ? ports.find((c: Obj) => c.name === x.targetPort)?.containerPort : x.targetPort ?? x.port;
    if (to === METRICS_PORT) p.push(`Service: port ${x.port} exposes the metrics port ${METRICS_PORT}; Prometheus scrapes the pods, and only the monitoring namespace may reach it`);
  }
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
      // Clients reach the API port only, the monitoring namespace the metrics port only.
      const label = (f: Obj) => JSON.stringify(f.namespaceSelector?.matchLabels);
      const monitoring = (r.from ?? []).some((f: Obj) => label(f) === clientLabels[1]);
      if (monitoring && (r.from ?? []).some((f: Obj) => label(f) !== clientLabels[1])) p.push(`${at}: ingress[${i}] admits the monitoring namespace with others; give it a rule of its own (TCP ${METRICS_PORT})`);
      const port = monitoring ? METRICS_PORT : 4000;
      if (!(r.ports ?? []).length || r.ports.some((x: Obj) => x.port !== port || (x.protocol ?? 'TCP') !== 'TCP')) p.push(`${at}: ingress[${i}] must be limited to TCP ${port} (${monitoring ? 'the metrics port' : 'the API port'})`);
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

export function problems(objs: Obj[], overlay: Overlay): string[] {
  return [
    ...objs.flatMap(schemaProblems),
    ...deploymentProblems(objs, overlay),
    ...jobProblems(objs, overlay),
    ...serviceProblems(objs),
    ...scalingProblems(objs, overlay),
    ...networkProblems(objs),
  ];
}
