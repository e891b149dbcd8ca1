import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Metrics } from './metrics';
import { sendError } from './server';

/**
 * The metrics listener's routes (GATEWAY_METRICS_PORT; production's default 9464): `GET /metrics`
 * and nothing else, on a port of its own so the API port never serves it and the network can
 * admit the scraper to this port only (k8s/base/networkpolicy.yaml). It has no token: what it
 * shows is counts and latencies by operation and outcome, never a caller, customer or value.
 */
export function createMetricsHandler(metrics: Metrics): http.RequestListener {
  return (req, res) => {
    const requestId = randomUUID();
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== '/metrics') return sendError(res, 'NOT_FOUND', `No route ${pathname}`, requestId);
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return sendError(res, 'METHOD_NOT_ALLOWED', 'Use GET', requestId);
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'x-request-id': requestId, 'cache-control': 'no-store' });
        res.end(text);
      },
      () => sendError(res, 'INTERNAL_SERVER_ERROR', 'Internal error', requestId),
    );
  };
}
