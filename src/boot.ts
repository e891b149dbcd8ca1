/**
 * Imported first by every entry point. graphql-js picks its `instanceOf` implementation when it
 * is loaded: outside NODE_ENV=production it runs a slow cross-realm check on every type test
 * (~10% of an enforced request in a --cpu-prof). The gateway's own behaviour never depends on
 * NODE_ENV; GATEWAY_ENV sets it explicitly.
 */
import 'reflect-metadata';

process.env.NODE_ENV ??= 'production';
