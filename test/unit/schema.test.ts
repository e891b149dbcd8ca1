import fs from 'node:fs';
import path from 'node:path';
import { getNamedType, GraphQLObjectType, GraphQLSchema, isLeafType, isObjectType } from 'graphql';
import { buildBareSchema, printGatewaySchema } from '../../src/graphql/schema';
import { categoryOf } from '../../src/graphql/category.directive';

/**
 * schema.graphql is generated from the code and committed; every field of a personal-data type
 * carries a category unless it is on the reviewed list of non-personal fields below.
 */
test('schema.graphql is up to date (run `npm run schema`)', () => {
  const committed = fs.readFileSync(path.resolve(__dirname, '../../schema.graphql'), 'utf8');
  expect(committed).toBe(printGatewaySchema());
});

/**
 * Reviewed non-personal fields, each with why it is on the list. A record's own id, source and
 * collection time are NOT on it: they are personal data of the record (a login's collection time
 * is the login time), released only with the record's categories (graphql/enforce.ts); the test
 * below checks that every untagged leaf of a record type is gated that way.
 */
const REVIEWED: [why: string, fields: Record<string, string[]>][] = [
  ['the key the caller looked the customer up by, echoed: it reveals nothing the caller did not send', { Customer: ['id'] }],
  ['the id the gateway gave its own record (an event, a log entry, a request, a correction): no customer data', {
    StateEventView: ['id'], AccessLogEntry: ['id'], RightsRequest: ['id'], Rectification: ['id'],
  }],
  ['the gateway\'s record of a consent, objection, restriction, rectification or erasure event: what was decided, by whom, when; no data value', {
    StateEventView: ['kind', 'customerId', 'action', 'purpose', 'category', 'givenBy', 'explicit', 'expiresAt', 'source', 'reason', 'recordedAt', 'recordedBy'],
  }],
  ['an explanation of a decision: category, effect, reason and the rule, never the value', {
    CategoryDecision: ['category', 'effect', 'reason', 'rule'], Explanation: ['customerId', 'purpose', 'policyHash', 'decidedAt'],
  }],
  ['the access log describes reads (who, which category of whose data, the decision), never a value; justification is the caller\'s ticket text', {
    AccessLogEntry: ['at', 'loggedAt', 'batchId', 'requestId', 'caller', 'roles', 'purpose', 'justification', 'clientAddress', 'policyHash', 'customerId', 'typeName', 'fieldPath', 'fields', 'category', 'effect', 'reason', 'rule'],
    AccessLogEdge: ['cursor'], AccessLogPageInfo: ['endCursor', 'hasNextPage'], AccessStat: ['key', 'count'],
  }],
  ['rights requests, corrections and erasure receipts, read by the DPO: ids, categories, counts, dates, purposes and the DPO\'s own notes; a corrected value is never returned', {
    RightsRequest: ['customerId', 'kind', 'receivedAt', 'dueAt', 'deadline', 'status', 'overdue', 'outcome', 'refusalReason', 'resolvedAt', 'resolvedBy', 'recordedAt', 'recordedBy', 'details'],
    Rectification: ['customerId', 'category', 'field', 'recordId', 'requestId', 'status', 'requestedAt', 'requestedBy', 'resolvedAt', 'resolvedBy', 'rowsUpdated'],
    RectificationRecipient: ['caller', 'purpose', 'firstReadAt', 'lastReadAt', 'reads'],
    ErasureReceipt: ['receiptId', 'erasureId', 'customerId', 'requestId', 'erasedAt', 'erasedBy', 'pack', 'policyHash'],
    ErasureCategory: ['category', 'store', 'table', 'deleted', 'anonymised', 'kept'],
    KeptRecord: ['recordId', 'collectedAt', 'keptUntil', 'purpose', 'lawfulBasis', 'retention', 'cite'],
    MinorWithoutGuardianConsent: ['customerId', 'purposes', 'consentGivenAt'],
  }],
];
const reviewedAs = (type: string, field: string) => REVIEWED.find(([, fields]) => fields[type]?.includes(field))?.[0];

/** Object types with a tagged leaf: records of personal data. */
function recordTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType =>
    isObjectType(t) && !t.name.startsWith('__') && Object.values(t.getFields()).some((f) => categoryOf(f) !== null && isLeafType(getNamedType(f.type))));
}

test('every leaf field has a category, is the metadata of a record, or is a reviewed non-personal field', () => {
  const schema = buildBareSchema();
  const records = new Set(recordTypes(schema).map((t) => t.name));
  const untagged: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || type === schema.getQueryType() || type === schema.getMutationType()) continue;
    for (const field of Object.values(type.getFields())) {
      if (!isLeafType(getNamedType(field.type))) continue; // object fields: their own leaves are checked
      if (categoryOf(field)) continue;
      if (reviewedAs(type.name, field.name)) continue;
      if (records.has(type.name)) continue; // record metadata: gated, checked below
      untagged.push(`${type.name}.${field.name}`);
    }
  }
  expect(untagged).toEqual([]);
});

/**
 * enforce.ts gates every untagged leaf of a record type but the subject key (no list of names to
 * keep in step: a field added to a record type is gated from the start); the gate answers null
 * when it denies, so each must be nullable or its denial would null the whole record.
 * test/integration/record-metadata.test.ts shows the gate at work through HTTP.
 */
test('every untagged leaf of a record type, but the subject key, is nullable', () => {
  const schema = buildBareSchema();
  const metadata = recordTypes(schema).flatMap((t) => Object.values(t.getFields())
    .filter((f) => !categoryOf(f) && isLeafType(getNamedType(f.type)) && !reviewedAs(t.name, f.name))
    .map((f) => `${t.name}.${f.name}`));
  expect(metadata.length).toBeGreaterThan(0);
  const nullable = metadata.filter((name) => {
    const [type, field] = name.split('.');
    return !(schema.getType(type) as GraphQLObjectType).getFields()[field].type.toString().endsWith('!');
  });
  // Each must be nullable so that its denial does not null the record (the gate answers null).
  expect(nullable).toEqual(metadata);
});

test('every tagged field is nullable, so a denial never nulls its parent', () => {
  const schema = buildBareSchema();
  const nonNull: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (categoryOf(field) && field.type.toString().endsWith('!')) nonNull.push(`${type.name}.${field.name}`);
    }
  }
  expect(nonNull).toEqual([]);
});
