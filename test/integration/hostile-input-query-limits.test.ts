import request from 'supertest';
import { getNamedType, GraphQLObjectType, isObjectType, parse, specifiedRules, validate } from 'graphql';
import { measure, outcome, refused, repeat } from '../support/hostile-input';
import { asCrm, env, ID, useHostileInputGateway } from '../support/hostile-input-gateway';
import { ADULT } from '../fixtures/customers';
import { EVERY_FIELD } from '../../bench/enforcement.bench';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { gatewayValidationRules } from '../../src/http/limits';

/**
 * Hostile input at the GraphQL edge: documents past the query limits (depth, aliases, tokens,
 * cost, directives, length) get a 4xx with a coded error, never data, never a limit's value, and
 * read no store; circular fragments are refused whole. The limits are set at about twice what the
 * heaviest legitimate documents need, measured here, and the heaviest read runs. Whole responses
 * asserted. The rest of the hostile input is in hostile-input-requests.test.ts and
 * hostile-input-settings.test.ts.
 */
useHostileInputGateway();

const TOO_COMPLEX = refused('GRAPHQL_VALIDATION_FAILED', 'Query is too complex');

describe('query limits: 400 GRAPHQL_VALIDATION_FAILED "Query is too complex", no data, no limit revealed, no store read', () => {
  const L = () => env.gw.config.queryLimits;
  const nestedInline = (levels: number) => {
    let inner = '{ id }';
    for (let i = 0; i < levels; i++) inner = `{ ... on Customer ${inner} }`;
    return `{ customer(id: "${ID}") ${inner} }`;
  };
  const nestedSpreads = (levels: number) =>
    `{ customer(id: "${ID}") { ...F0 } } ${repeat(levels, (i) => `fragment F${i} on Customer { id ${i + 1 < levels ? `...F${i + 1}` : ''} }`)}`;

  const cases: { name: string; query: () => string; variables?: Record<string, unknown>; as?: () => string }[] = [
    { name: 'deep: inline fragments nested past the depth limit', query: () => nestedInline(L().maxDepth) },
    { name: 'deep: fragment spreads chained past the depth limit', query: () => nestedSpreads(L().maxDepth) },
    { name: 'aliased: one alias more than allowed', query: () => `{ ${repeat(L().maxAliases + 1, (i) => `c${i}: customer(id: "${ID}") { id }`)} }` },
    { name: 'aliased: aliases in a fragment spread twice', query: () => `{ customer(id: "${ID}") { ...A ...A } } fragment A on Customer { ${repeat(Math.floor(L().maxAliases / 2) + 1, (i) => `f${i}: firstName`)} }` },
    { name: 'too many tokens', query: () => `{ customer(id: "${ID}") { ${repeat(L().maxTokens, () => 'id')} } }` },
    // 8,601 each: six exceed 50,000.
    { name: 'too costly: every field of customers(ids:) for the most ids, six times', query: () => `query($ids: [ID!]!) { ${repeat(6, (i) => `c${i}: customers(ids: $ids) { ${EVERY_FIELD} }`)} }`, variables: { ids: [ID] } },
    // 6,501 each: eight exceed 50,000.
    { name: 'too costly: accessLog(first: 500), eight times', query: () => `{ ${repeat(8, (i) => `a${i}: accessLog(first: 500) { edges { cursor node { id at caller purpose category fields effect reason rule requestId } } }`)} }`, as: () => env.auditor },
  ];
  test.each(cases)('$name', async ({ query, variables, as }) => {
    const r = await env.gw.gql({ token: as ? as() : env.crm, purpose: as ? null : 'account_management', query: query(), variables });
    expect(outcome(r)).toEqual({ status: 400, body: TOO_COMPLEX, sql: '0' });
  });

  test('too many directives (each also unknown while the schema lacks @include)', async () => {
    const n = L().maxDirectives + 1;
    const query = `{ customer(id: "${ID}") { id ${repeat(n, () => 'firstName @include(if: true)')} } }`;
    const r = await asCrm(query);
    const known = buildGatewaySchema({ enforce: true }).getDirective('include') !== undefined;
    const unknown = known ? [] : Array.from({ length: n }, (_, i) => ({
      message: 'Unknown directive "@include".', locations: [{ line: 1, column: query.indexOf('@include') + 1 + i * 'firstName @include(if: true) '.length }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    }));
    expect(outcome(r)).toEqual({ status: 400, body: { errors: [...TOO_COMPLEX.errors, ...unknown] }, sql: '0' });
  });

  test('circular fragments: the validation error, whole, and no data', async () => {
    const r = await asCrm(`{ customer(id: "${ID}") { ...A } } fragment A on Customer { id ...B } fragment B on Customer { firstName ...A }`);
    expect(outcome(r)).toEqual({
      status: 400, sql: '0',
      body: { errors: [{ message: 'Cannot spread fragment "A" within itself via "B".', locations: [{ line: 1, column: 71 }, { line: 1, column: 113 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
    const self = await asCrm(`{ customer(id: "${ID}") { ...A } } fragment A on Customer { id ...A }`);
    expect(outcome(self)).toEqual({
      status: 400, sql: '0',
      body: { errors: [{ message: 'Cannot spread fragment "A" within itself.', locations: [{ line: 1, column: 71 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
  });

  test('a document longer than the limit: 413 PAYLOAD_TOO_LARGE, POST or GET; one at the limit passes', async () => {
    const max = L().maxLength;
    const atLimit = `{ __typename }`.padEnd(max, ' ');
    expect(outcome(await asCrm(atLimit))).toEqual({ status: 200, body: { data: { __typename: 'Query' } }, sql: '0' });
    const tooLong = `${atLimit} `;
    expect(outcome(await asCrm(tooLong))).toEqual({ status: 413, body: refused('PAYLOAD_TOO_LARGE', 'The query is too large'), sql: null });
    // GET: a long operation name, so the URL stays under node's 16 KB header limit.
    const get = await request(env.gw.gateway.server).get(`/graphql?query=${encodeURIComponent(`query ${'Q'.repeat(max)} { __typename }`)}`)
      .set({ authorization: `Bearer ${env.crm}`, 'apollo-require-preflight': 'true' });
    expect(outcome(get)).toEqual({ status: 413, body: refused('PAYLOAD_TOO_LARGE', 'The query is too large'), sql: null });
  });

  test('the heaviest legitimate documents use at most half of every limit', () => {
    const schema = buildGatewaySchema({ enforce: true });
    const every = (t: GraphQLObjectType): string => Object.values(t.getFields())
      .filter((f) => f.args.every((a) => !String(a.type).endsWith('!') || a.defaultValue !== undefined))
      .map((f) => (isObjectType(getNamedType(f.type)) ? `${f.name} { ${every(getNamedType(f.type) as GraphQLObjectType)} }` : f.name)).join(' ');
    const type = (name: string) => schema.getType(name) as GraphQLObjectType;
    const ids = JSON.stringify(Array.from({ length: env.gw.config.maxBatch }, (_, i) => `cus_1_${String(i).padStart(6, '0')}`));
    const heaviest: Record<string, string> = {
      'customers, every field (bench)': `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`,
      'customers, every field, literal ids': `{ customers(ids: ${ids}) { ${every(type('Customer'))} } }`,
      'accessLog(first: 500), every field': `{ accessLog(first: 500) { ${every(type('AccessLogConnection'))} } }`,
      'eraseMinorsWithoutGuardianConsent(limit: 1000), every field': `mutation { eraseMinorsWithoutGuardianConsent(limit: 1000) { ${every(type('ErasureReceipt'))} } }`,
    };
    const measured: Record<string, Record<string, number>> = {};
    for (const [name, source] of Object.entries(heaviest)) {
      const m = measure(schema, source, env.gw.config.maxBatch);
      measured[name] = m;
      expect(validate(schema, parse(source), [...specifiedRules, ...gatewayValidationRules(env.gw.config.queryLimits, env.gw.config.maxBatch)])).toEqual([]);
    }
    const limits = env.gw.config.queryLimits;
    const bound = { length: limits.maxLength, tokens: limits.maxTokens, depth: limits.maxDepth, aliases: limits.maxAliases, directives: limits.maxDirectives, cost: limits.maxCost };
    for (const [name, m] of Object.entries(measured)) {
      for (const [k, v] of Object.entries(m)) expect({ name, [k]: v * 2 <= bound[k as keyof typeof bound] }).toEqual({ name, [k]: true });
    }
    // The numbers quoted in src/config.ts and the README.
    expect(measured['customers, every field (bench)'].cost).toBe(8601);
    expect(measured['customers, every field, literal ids'].cost).toBe(11201);
    expect(measured['accessLog(first: 500), every field'].cost).toBe(12501);
    expect(measured['eraseMinorsWithoutGuardianConsent(limit: 1000), every field'].cost).toBe(23001);
  });

  test('the heaviest read runs: customers(ids:) for the most ids with every field', async () => {
    const ids = [ID, ...Array.from({ length: env.gw.config.maxBatch - 1 }, (_, i) => `cus_1_${String(i).padStart(6, '0')}`)];
    const r = await env.gw.gql({ token: env.dpo, purpose: 'data_subject_request', query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids } });
    expect(r.status).toBe(200);
    // Only field-level decisions (health data is outside data_subject_request in this pack), no limit.
    expect(new Set(r.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code))).toEqual(new Set(['FORBIDDEN_BY_POLICY']));
    expect(r.body.data.customers).toHaveLength(env.gw.config.maxBatch);
    expect(r.body.data.customers[0]).toMatchObject({ id: ID, firstName: ADULT.firstName });
  });
});
