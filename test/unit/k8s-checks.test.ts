import { Obj, one, render } from '../support/k8s';
import { problems } from '../support/k8s-rules';

/**
 * The checks of k8s-render.test.ts (test/support/k8s-rules.ts) notice: each required property of the
 * prod rendering is removed in turn, and the problem it leaves is reported.
 */

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
    ['the Deployment given the owner\'s connection string (two roles)', (o) => { container(o).env.find((e: Obj) => e.name === 'GATEWAY_DATABASE_URL').valueFrom.secretKeyRef.name = 'privacy-gateway-owner'; }, /Deployment\/privacy-gateway container gateway: GATEWAY_DATABASE_URL comes from Secret privacy-gateway-owner, not privacy-gateway-secrets/],
    ['the migration Job given the runtime role\'s connection string', (o) => { container(o, 'Job').env.find((e: Obj) => e.name === 'CRM_DATABASE_URL').valueFrom.secretKeyRef.name = 'privacy-gateway-secrets'; }, /Job\/privacy-gateway-migrate container migrate: CRM_DATABASE_URL comes from Secret privacy-gateway-secrets, not privacy-gateway-owner/],
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
    ['the Service exposing the metrics port', (o) => { one(o, 'Service')!.spec.ports.push({ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' }); }, /Service: port 9464 exposes the metrics port/],
    ['the monitoring namespace admitted to the API port', (o) => { netpol(o).ingress[1].ports[0].port = 4000; }, /ingress\[1\] must be limited to TCP 9464 \(the metrics port\)/],
    ['client namespaces admitted to the metrics port', (o) => { netpol(o).ingress[0].ports.push({ protocol: 'TCP', port: 9464 }); }, /ingress\[0\] must be limited to TCP 4000 \(the API port\)/],
    ['clients and the monitoring namespace in one rule', (o) => { netpol(o).ingress[1].from.push(...netpol(o).ingress[0].from); }, /ingress\[1\] admits the monitoring namespace with others/],
    ['the metrics container port removed', (o) => { container(o).ports = container(o).ports.filter((x: Obj) => x.name !== 'metrics'); }, /container port "metrics" \(9464, GATEWAY_METRICS_PORT\) missing/],
    ['Prometheus pointed at the API port', (o) => { one(o, 'Deployment')!.spec.template.metadata.annotations['prometheus.io/port'] = '4000'; }, /prometheus\.io\/port must be the metrics port 9464, not 4000/],
    ['GATEWAY_METRICS_PORT not the container port', (o) => { container(o).env.find((e: Obj) => e.name === 'GATEWAY_METRICS_PORT').value = '9100'; }, /would serve \/metrics on port 9100, not the container port "metrics" \(9464\)/],
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
