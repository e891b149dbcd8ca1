import fs from 'node:fs';
import path from 'node:path';
import { getNamedType, isLeafType, isObjectType } from 'graphql';
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

/** Reviewed non-personal fields: identifiers, provenance, and the gateway's own records. */
const NON_PERSONAL: Record<string, string[]> = {
  '*': ['id', 'source', 'collectedAt'],
  // Customer-state events and explain results describe decisions, not customers' data values.
  StateEventView: ['kind', 'customerId', 'action', 'purpose', 'category', 'givenBy', 'explicit', 'expiresAt', 'source', 'reason', 'recordedAt', 'recordedBy'],
  CategoryDecision: ['category', 'effect', 'reason', 'rule'],
  Explanation: ['customerId', 'purpose', 'policyHash', 'decidedAt'],
  // The access log describes reads (who, which category of whose data, the decision), never a value; justification is the caller's ticket text.
  AccessLogEntry: ['at', 'loggedAt', 'batchId', 'requestId', 'caller', 'roles', 'purpose', 'justification', 'clientAddress', 'policyHash', 'customerId', 'typeName', 'fieldPath', 'fields', 'category', 'effect', 'reason', 'rule'],
  AccessLogEdge: ['cursor'],
  AccessLogPageInfo: ['endCursor', 'hasNextPage'],
  AccessStat: ['key', 'count'],
  // Rights requests, corrections and erasure receipts: ids, categories, counts, dates, purposes; a corrected value is never returned.
  // RightsRequest.details/outcome/refusalReason are the DPO's own notes on the request.
  RightsRequest: ['customerId', 'kind', 'receivedAt', 'dueAt', 'deadline', 'status', 'overdue', 'outcome', 'refusalReason', 'resolvedAt', 'resolvedBy', 'recordedAt', 'recordedBy', 'details'],
  Rectification: ['customerId', 'category', 'field', 'recordId', 'requestId', 'status', 'requestedAt', 'requestedBy', 'resolvedAt', 'resolvedBy', 'rowsUpdated'],
  RectificationRecipient: ['caller', 'purpose', 'firstReadAt', 'lastReadAt', 'reads'],
  ErasureReceipt: ['receiptId', 'erasureId', 'customerId', 'requestId', 'erasedAt', 'erasedBy', 'pack', 'policyHash'],
  ErasureCategory: ['category', 'store', 'table', 'deleted', 'anonymised', 'kept'],
  KeptRecord: ['recordId', 'keptUntil', 'purpose', 'lawfulBasis', 'retention', 'cite'],
  MinorWithoutGuardianConsent: ['customerId', 'purposes', 'consentGivenAt'],
};

test('every leaf field has a category or is a reviewed non-personal field', () => {
  const schema = buildBareSchema();
  const untagged: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || type === schema.getQueryType() || type === schema.getMutationType()) continue;
    for (const field of Object.values(type.getFields())) {
      if (!isLeafType(getNamedType(field.type))) continue; // object fields: their own leaves are checked
      if (categoryOf(field)) continue;
      if ([...NON_PERSONAL['*'], ...(NON_PERSONAL[type.name] ?? [])].includes(field.name)) continue;
      untagged.push(`${type.name}.${field.name}`);
    }
  }
  expect(untagged).toEqual([]);
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
