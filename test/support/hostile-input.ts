import http from 'node:http';
import request from 'supertest';
import { GraphQLSchema, Lexer, OperationDefinitionNode, parse, Source, TokenKind, validate, ValidationContext } from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { estimateCost, listSizeArguments } from '../../src/http/limits';

/** Helpers of the hostile-input tests (test/integration/hostile-input-*.test.ts): requests, whole outcomes, and what the query limits count. */

export const post = (server: http.Server, body: unknown, headers: Record<string, string>) =>
  request(server).post('/graphql').set({ 'content-type': 'application/json', ...headers }).send(body as object);

/** Status, body and the statements run: a refused request reads no store. */
export const outcome = (r: request.Response) => ({ status: r.status, body: r.body, sql: r.headers['x-sql-statements'] ?? null });
export const refused = (code: string, message: string, extensions: Record<string, unknown> = {}) => ({ errors: [{ message, extensions: { code, ...extensions } }] });
export const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');

/** Length, tokens, depth, aliases, directives and cost of a document, as the limits count them. */
export function measure(schema: GraphQLSchema, source: string, maxBatch: number): Record<string, number> {
  const m: Record<string, number> = { length: source.length, tokens: 0, depth: 0, aliases: 0, directives: 0, cost: 0 };
  const lexer = new Lexer(new Source(source));
  while (lexer.advance().kind !== TokenKind.EOF) m.tokens++;
  const seen = (k: string) => [(_c: unknown, d: { n: number }) => { m[k] = Math.max(m[k], d.n); }];
  validate(schema, parse(source), [
    maxDepthRule({ n: 1e9, onAccept: seen('depth') }), maxAliasesRule({ n: 1e9, allowList: [], onAccept: seen('aliases') }), maxDirectivesRule({ n: 1e9, onAccept: seen('directives') }),
    (ctx: ValidationContext) => ({ OperationDefinition(op: OperationDefinitionNode) { m.cost = Math.max(m.cost, estimateCost(ctx, op, listSizeArguments(maxBatch))); } }),
  ] as never);
  return m;
}
