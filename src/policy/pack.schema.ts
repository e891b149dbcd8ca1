import { LAWFUL_BASES, MASKS, ROLES } from './pack.types';

/**
 * JSON Schema of a policy pack file (policies/FORMAT.md). Structural rules live here; rules that
 * need the taxonomy or cross-references (unknown categories, callers naming unknown purposes)
 * are checked in load-pack.ts with the same error shape.
 */
const duration = { type: 'string', pattern: '^P(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?$', minLength: 2 };
const key = { type: 'string', pattern: '^[a-z][a-z0-9_]*$' };
const category = { type: 'string', pattern: '^[a-z_]+(\\.[a-z_]+)*$' };
const cite = { type: 'string' };
const isoTime = { type: 'string', minLength: 10 };

const subject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    date_of_birth: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    consents: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['purpose', 'action', 'at'],
        properties: {
          purpose: key, action: { enum: ['grant', 'withdraw'] }, given_by: { enum: ['subject', 'guardian'] },
          explicit: { type: 'boolean' }, at: isoTime, expires_at: isoTime,
        },
      },
    },
    objections: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['purpose', 'action', 'at'], properties: { purpose: key, category, action: { enum: ['object', 'remove'] }, at: isoTime } },
    },
    restrictions: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['action', 'at'], properties: { purpose: key, category, action: { enum: ['restrict', 'lift'] }, at: isoTime } },
    },
    rectifications: { type: 'array', items: category },
    erased: { type: 'boolean' },
  },
};

export const PACK_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['pack', 'controller', 'regulator', 'rights', 'categories', 'minors', 'purposes', 'callers'],
  properties: {
    pack: {
      type: 'object', additionalProperties: false, required: ['id', 'title'],
      properties: { id: { type: 'string', pattern: '^[a-z0-9_-]+$' }, title: { type: 'string' }, seed: { type: 'string' }, effective: { type: 'string' }, language: { enum: ['th', 'en'] } },
    },
    controller: {
      type: 'object', additionalProperties: false, required: ['name', 'contact', 'dpo'],
      properties: {
        name: { type: 'string' },
        contact: { type: 'object', additionalProperties: { type: 'string' } },
        dpo: { type: 'object', additionalProperties: { type: 'string' } },
        cite,
      },
    },
    regulator: { type: 'object', additionalProperties: false, required: ['name', 'contact'], properties: { name: { type: 'string' }, contact: { type: 'string' }, cite } },
    rights: {
      type: 'object', additionalProperties: false, required: ['response_deadline', 'granted'],
      properties: {
        response_deadline: duration,
        granted: { type: 'array', items: { enum: ['access', 'portability', 'rectification', 'erasure', 'restriction', 'objection', 'withdraw_consent', 'complaint', 'opt_out_of_disclosure', 'no_automated_decision'] } },
        cite,
      },
    },
    access_log_retention: duration,
    categories: {
      type: 'array', minItems: 1,
      items: { type: 'object', additionalProperties: false, required: ['key'], properties: { key: category, sensitive: { type: 'boolean' }, description: { type: 'string' }, cite } },
    },
    not_collected: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['key', 'cite'], properties: { key: category, cite, choice: { type: 'string' } } },
    },
    sources: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['key'], properties: { key, description: { type: 'string' }, cite } },
    },
    minors: {
      type: 'object', additionalProperties: false, required: ['age', 'without_guardian_consent'],
      properties: {
        age: { type: 'integer', minimum: 1, maximum: 25 }, without_guardian_consent: { enum: ['delete', 'restrict'] },
        applies_to: { enum: ['consent', 'all'] }, cite, choice: { type: 'string' },
      },
    },
    purposes: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', additionalProperties: false, required: ['key', 'description', 'lawful_basis', 'categories'],
        properties: {
          key, description: { type: 'string' }, lawful_basis: { enum: [...LAWFUL_BASES] }, direct_marketing: { type: 'boolean' },
          data_use: { type: 'string', pattern: '^[a-z_]+(\\.[a-z_]+)*$' },
          categories: { type: 'array', items: category },
          retention: { type: 'object', propertyNames: { anyOf: [{ const: 'default' }, category] }, additionalProperties: duration },
          masking: { type: 'object', propertyNames: category, additionalProperties: { enum: [...MASKS] } },
          consent_validity: duration, kept_after_erasure: { type: 'array', items: category }, cite, choice: { type: 'string' },
        },
      },
    },
    callers: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['id', 'purposes', 'roles'],
        properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' }, purposes: { type: 'array', items: key }, roles: { type: 'array', items: { enum: [...ROLES] } }, description: { type: 'string' } },
      },
    },
    recipients: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string' }, purposes: { type: 'array', items: key }, categories: { type: 'array', items: category }, description: { type: 'string' }, cite } },
    },
    transfers_abroad: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['country', 'safeguard'], properties: { country: { type: 'string' }, safeguard: { type: 'string' }, categories: { type: 'array', items: category }, cite } },
    },
    automated_decisions: { type: 'string' },
    unenforceable: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['promise', 'why'], properties: { promise: { type: 'string' }, why: { type: 'string' }, cite } },
    },
    tests: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['name', 'caller', 'purpose', 'now', 'subject', 'expect'],
        properties: {
          name: { type: 'string' }, caller: { type: 'string' }, purpose: key, now: isoTime, subject, record_collected_at: isoTime,
          expect: {
            type: 'object', propertyNames: category,
            additionalProperties: {
              type: 'object', additionalProperties: false, required: ['effect'],
              properties: { effect: { enum: ['ALLOW', 'MASK', 'DENY'] }, reason: { type: 'string' }, rule: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const;
