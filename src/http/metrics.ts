import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics: request count and latency by operation and outcome, plus process metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'gateway_requests_total', help: 'GraphQL requests by operation and outcome', labelNames: ['operation', 'outcome'], registers: [registry] });
  const latency = new Histogram({
    name: 'gateway_request_duration_seconds', help: 'GraphQL request latency by operation and outcome', labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  const decisions = new Counter({ name: 'gateway_decisions_total', help: 'Field decisions by effect', labelNames: ['effect'], registers: [registry] });
  return {
    registry,
    observe(operation: string, outcome: string, seconds: number) {
      requests.inc({ operation, outcome });
      latency.observe({ operation, outcome }, seconds);
    },
    decided(effect: string, n: number) {
      decisions.inc({ effect }, n);
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
