import {
  DATA_CATEGORIES, FIDESLANG_SOURCE, SENSITIVE_CATEGORIES, coversDataCategory, isKnownDataCategory,
  isSensitiveDataCategory, lineage, resolveDataCategory,
} from '../../../src/catalog/taxonomy';

/** The fideslang default data categories, as transcribed: integrity, aliases, sensitivity. */

const all = [...DATA_CATEGORIES.values()];

test('the data names its fideslang source', () => {
  expect(FIDESLANG_SOURCE).toMatchObject({
    repository: 'https://github.com/ethyca/fideslang',
    path: 'src/fideslang/default_taxonomy/data_categories.py',
    commit: '1144db3c9689e7324d92659e7240cac2dd384029',
    taxonomy_version: '3.2.0',
  });
});

test('fideslang 3.2.0 counts: 123 categories, 22 deprecated, 38 added in 3.2.0 (its migration guide lists 22 and 38)', () => {
  expect(all.length).toBe(123);
  expect(all.filter((c) => c.deprecated).length).toBe(22);
  expect(all.filter((c) => c.versionAdded === '3.2.0').length).toBe(38);
  expect(all.filter((c) => c.parent === null).map((c) => c.key)).toEqual(['user', 'system']);
});

test('every parent exists and is the key minus its last segment (fideslang matching_parent_key)', () => {
  for (const c of all) {
    if (c.parent === null) {
      expect(c.key).not.toContain('.');
      continue;
    }
    expect(DATA_CATEGORIES.has(c.parent)).toBe(true);
    expect(c.parent).toBe(c.key.split('.').slice(0, -1).join('.'));
  }
});

test('no cycles: every walk up the parents reaches a root within as many steps as there are categories', () => {
  for (const c of all) {
    let k: string | null = c.key;
    let steps = 0;
    while (k !== null && steps <= all.length) {
      k = DATA_CATEGORIES.get(k)!.parent;
      steps++;
    }
    expect(k).toBeNull();
  }
});

test('every alias resolves to a current key in one step; current keys resolve to themselves', () => {
  for (const c of all) {
    if (c.deprecated) {
      const target = DATA_CATEGORIES.get(c.deprecated.replacedBy);
      expect(target).toBeDefined();
      expect(target!.deprecated).toBeNull();
      expect(resolveDataCategory(c.key)).toBe(c.deprecated.replacedBy);
      expect(c.deprecated.since).toBe('3.2.0');
    } else {
      expect(resolveDataCategory(c.key)).toBe(c.key);
    }
  }
  expect(resolveDataCategory('user.shoe_size')).toBeNull();
});

test('known keys, their parents and whole entries', () => {
  expect(lineage('user.contact.email')).toEqual(['user.contact.email', 'user.contact', 'user']);
  expect(lineage('user.contact.address.street')).toEqual(['user.contact.address.street', 'user.contact.address', 'user.contact', 'user']);
  expect(lineage('user.financial.bank_account')).toEqual(['user.financial.bank_account', 'user.financial', 'user']);
  expect(lineage('system.operations')).toEqual(['system.operations', 'system']);
  expect(DATA_CATEGORIES.get('user.demographic.date_of_birth')).toEqual({
    key: 'user.demographic.date_of_birth', name: 'Birth Date', description: 'Date of birth of data subject.',
    parent: 'user.demographic', versionAdded: '2.0.0', deprecated: null, sensitive: false,
  });
  expect(DATA_CATEGORIES.get('user.health_and_medical')).toEqual({
    key: 'user.health_and_medical', name: 'Health and Medical Data',
    description: "Health records or individual's personal medical information.",
    parent: 'user', versionAdded: '2.0.0', deprecated: { since: '3.2.0', replacedBy: 'user.health' }, sensitive: false,
  });
  for (const k of ['user.contact.phone_number', 'user.name.first', 'user.name.last', 'user.government_id.passport_number', 'user.device.ip_address', 'user.account.username']) {
    expect(isKnownDataCategory(k)).toBe(true);
  }
  expect(isKnownDataCategory('contact.email')).toBe(false); // today's gateway name, not fideslang's
});

test('aliases read as their replacement, a deprecated parent included', () => {
  expect(lineage('user.biometric.fingerprint')).toEqual(['user.biometrics.fingerprint', 'user.biometrics', 'user']);
  expect(lineage('user.health_and_medical.genetic')).toEqual(['user.health.genetic', 'user.health', 'user']);
  expect(resolveDataCategory('user.contact.organization')).toBe('user.contact');
  expect(coversDataCategory('user.health_and_medical', 'user.health.genetic')).toBe(true);
  expect(coversDataCategory('user.contact', 'user.contact.email')).toBe(true);
  expect(coversDataCategory('user.contact.email', 'user.contact')).toBe(false);
  expect(coversDataCategory('user.contact', 'user.contactx')).toBe(false);
});

test('sensitivity: the marked keys are current keys, and marks cover descendants and aliases', () => {
  for (const k of SENSITIVE_CATEGORIES) expect(DATA_CATEGORIES.get(k)?.deprecated).toBeNull();
  expect(all.filter((c) => c.sensitive).map((c) => c.key).sort()).toEqual([...SENSITIVE_CATEGORIES].sort());
  for (const k of ['user.health', 'user.health.genetic', 'user.health_and_medical.record_id', 'user.biometric', 'user.biometric.voice',
    'user.authorization.biometric', 'user.criminal_history', 'user.demographic.race_ethnicity', 'user.demographic.religious_belief',
    'user.demographic.philosophical_belief', 'user.demographic.political_opinion', 'user.demographic.sexual_orientation',
    'user.demographic.union_membership']) {
    expect([k, isSensitiveDataCategory(k)]).toEqual([k, true]);
  }
  for (const k of ['user', 'user.demographic', 'user.demographic.date_of_birth', 'user.contact.email', 'user.financial.bank_account',
    'user.authorization.password', 'user.demographic.protected_classifications', 'user.children', 'user.shoe_size']) {
    expect([k, isSensitiveDataCategory(k)]).toEqual([k, false]);
  }
});
