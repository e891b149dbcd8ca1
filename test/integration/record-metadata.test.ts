import { startTestGateway, TestGateway } from '../support/gateway';
import { accessLog, ask, bornYearsAgo, denied, expectResponse, insertPerson, iso, restrict } from '../fixtures/pack-scenarios';

/**
 * Issue 14, items 1 and 2: a record's id, source and collection time are personal data of the
 * record (a login's collection time is the login time, an order's the order date). A purpose
 * that may see none of a list's categories gets the list denied (null, coded error), not its
 * records' metadata; one that may see some of them gets the metadata with them. Each record is
 * judged by its own retention: a parent past its own does not hide children within theirs.
 */
let smarttech: TestGateway;
let sns: TestGateway;
beforeAll(async () => {
  smarttech = await startTestGateway({ policy: 'smarttech.yaml' });
  sns = await startTestGateway({ policy: 'snshelper.yaml' });
});
afterAll(async () => {
  await smarttech.close();
  await sns.close();
});

describe('record metadata follows the record\'s categories', () => {
  const q = `query($id: ID!) {
  customer(id: $id) {
    id
    source
    collectedAt
    firstName
    emails { id source collectedAt address }
    orders { id collectedAt }
    accounts { id collectedAt loginEvents { id source collectedAt } }
  }
}`;

  test('account_management, denied orders and login times, learns neither their dates nor how many there are', async () => {
    const c = await insertPerson(smarttech.stores, {
      id: 'meta_acct', firstName: 'Nok', lastName: 'Metadata', dateOfBirth: bornYearsAgo(34), collectedDaysAgo: 40,
      emails: [{ address: 'nok@example.com', source: 'signup_form' }],
      accounts: [{ username: 'nok_m', logins: [{ daysAgo: 3, ipAddress: '203.0.113.9', userAgent: 'curl/8' }, { daysAgo: 1, ipAddress: '203.0.113.9', userAgent: 'curl/8' }] }],
      orders: [{ daysAgo: 12, total: '99.00', currency: 'THB', status: 'paid', items: 'socks' }, { daysAgo: 5, total: '10.00', currency: 'THB', status: 'paid', items: 'tea' }],
    });
    const [email] = c.emails;
    const [account] = c.accounts;
    const r = await ask(smarttech, 'crm-service', 'account_management', q, { id: c.id });
    expectResponse(r, 200, {
      data: {
        customer: {
          id: c.id, source: 'signup_form', collectedAt: iso(c.collectedAt), firstName: 'Nok',
          emails: [{ id: email.id, source: 'signup_form', collectedAt: iso(email.collectedAt), address: 'nok@example.com' }],
          orders: null,
          accounts: [{ id: account.id, collectedAt: iso(account.collectedAt), loginEvents: null }],
        },
      },
      errors: [
        denied(q, ['customer', 'orders'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.order', 'purposes.account_management.categories'),
        denied(q, ['customer', 'accounts', 0, 'loginEvents'], 'CATEGORY_NOT_IN_PURPOSE', 'technical.ip_address', 'purposes.account_management.categories'),
      ],
    });
    expect(await accessLog(smarttech, r)).toEqual([
      { effect: 'ALLOW', reason: null, category: 'account.username', field_path: 'customer', fields: ['accounts.0.collectedAt', 'accounts.0.id'] },
      { effect: 'ALLOW', reason: null, category: 'contact.email', field_path: 'customer', fields: ['emails.0.address', 'emails.0.collectedAt', 'emails.0.id', 'emails.0.source'] },
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'financial.order', field_path: 'customer', fields: ['orders'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['collectedAt', 'firstName', 'source'] },
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'technical.ip_address', field_path: 'customer', fields: ['accounts.0.loginEvents'] },
    ]);
  });

  test('a customer whose processing is restricted: no email, order or login shows its metadata, and the customer row shows neither source nor date', async () => {
    const c = await insertPerson(smarttech.stores, {
      id: 'meta_restricted', firstName: 'Fah', lastName: 'Restricted', dateOfBirth: bornYearsAgo(29), collectedDaysAgo: 20,
      emails: [{ address: 'fah@example.com' }],
      accounts: [{ username: 'fah_r', logins: [{ daysAgo: 2, ipAddress: '198.51.100.4', userAgent: 'curl/8' }] }],
    });
    await restrict(smarttech.stores, c.id);
    const r = await ask(smarttech, 'crm-service', 'account_management', q, { id: c.id });
    const why = (path: (string | number)[], category: string) => denied(q, path, 'RESTRICTED', category, 'restriction.customer');
    expectResponse(r, 200, {
      data: { customer: { id: c.id, source: null, collectedAt: null, firstName: null, emails: null, orders: null, accounts: null } },
      errors: [
        why(['customer', 'source'], 'identity.name'),
        why(['customer', 'collectedAt'], 'identity.name'),
        why(['customer', 'firstName'], 'identity.name'),
        why(['customer', 'emails'], 'contact.email'),
        denied(q, ['customer', 'orders'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.order', 'purposes.account_management.categories'),
        why(['customer', 'accounts'], 'account.username'),
      ],
    });
    expect(await accessLog(smarttech, r)).toEqual([
      { effect: 'DENY', reason: 'RESTRICTED', category: 'account.username', field_path: 'customer', fields: ['accounts'] },
      { effect: 'DENY', reason: 'RESTRICTED', category: 'contact.email', field_path: 'customer', fields: ['emails'] },
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'financial.order', field_path: 'customer', fields: ['orders'] },
      { effect: 'DENY', reason: 'RESTRICTED', category: 'identity.name', field_path: 'customer', fields: ['collectedAt', 'firstName', 'source'] },
    ]);
  });
});

describe('SNS Helper, ระยะเวลาการเก็บรักษา ข.: login records are kept 6 months under law, whatever the account\'s age', () => {
  test('login_records reaches last week\'s login through an account created 400 days ago; the account\'s own fields are RETENTION_EXPIRED', async () => {
    const c = await insertPerson(sns.stores, {
      id: 'sns_old_account', firstName: 'Somchai', lastName: 'Longtime', dateOfBirth: bornYearsAgo(45), collectedDaysAgo: 400,
      accounts: [{ username: 'somchai_lt', daysAgo: 400, logins: [{ daysAgo: 7, ipAddress: '203.0.113.70', userAgent: 'Mozilla/5.0 (Android 14)' }, { daysAgo: 390, ipAddress: '203.0.113.71', userAgent: 'Mozilla/5.0 (Android 9)' }] }],
    });
    const [account] = c.accounts;
    const [recent, old] = account.logins;
    const q = `query($id: ID!) {
  customer(id: $id) {
    accounts {
      id
      username
      loginEvents { id collectedAt ipAddress userAgent occurredAt }
    }
  }
}`;
    const r = await ask(sns, 'security-service', 'login_records', q, { id: c.id });
    expectResponse(r, 200, {
      data: {
        customer: {
          accounts: [{
            id: null, username: null,
            loginEvents: [{ id: recent.id, collectedAt: iso(recent.collectedAt), ipAddress: '203.0.113.70', userAgent: 'Mozilla/5.0 (Android 14)', occurredAt: iso(recent.occurredAt) }],
          }],
        },
      },
      errors: [
        denied(q, ['customer', 'accounts', 0, 'id'], 'RETENTION_EXPIRED', 'account.username', 'purposes.login_records.retention'),
        denied(q, ['customer', 'accounts', 0, 'username'], 'RETENTION_EXPIRED', 'account.username', 'purposes.login_records.retention'),
      ],
    });
    expect(await accessLog(sns, r)).toEqual([
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'account.username', field_path: 'customer', fields: ['accounts.0.id', 'accounts.0.username'] },
      { effect: 'ALLOW', reason: null, category: 'technical.activity_time', field_path: 'customer', fields: ['accounts.0.loginEvents.0.occurredAt'] },
      { effect: 'ALLOW', reason: null, category: 'technical.ip_address', field_path: 'customer', fields: ['accounts.0.loginEvents.0.collectedAt', 'accounts.0.loginEvents.0.id', 'accounts.0.loginEvents.0.ipAddress'] },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'technical.ip_address', field_path: 'customer', fields: [`accounts.0.loginEvents[id=${old.id}]`] },
      { effect: 'ALLOW', reason: null, category: 'technical.user_agent', field_path: 'customer', fields: ['accounts.0.loginEvents.0.userAgent'] },
    ]);
  });

  test('an account past its retention whose logins are all past theirs too is left out, even with the logins asked for', async () => {
    const c = await insertPerson(sns.stores, {
      id: 'sns_old_account_3', firstName: 'Wichai', lastName: 'Longtime', dateOfBirth: bornYearsAgo(41), collectedDaysAgo: 400,
      accounts: [
        { username: 'wichai_old', daysAgo: 400, logins: [{ daysAgo: 390, ipAddress: '203.0.113.90', userAgent: 'curl/7' }] },
        { username: 'wichai_older', daysAgo: 500 },
      ],
    });
    const [oldAccount, olderAccount] = c.accounts;
    const q = `query($id: ID!) { customer(id: $id) { accounts { id username loginEvents { id ipAddress } } } }`;
    const r = await ask(sns, 'security-service', 'login_records', q, { id: c.id });
    expectResponse(r, 200, { data: { customer: { accounts: [] } } });
    expect(await accessLog(sns, r)).toEqual([
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'account.username', field_path: 'customer', fields: [`accounts[id=${oldAccount.id}]`, `accounts[id=${olderAccount.id}]`].sort() },
    ]);
  });

  test('without the child records in the query, an account past its retention is left out like any record', async () => {
    const c = await insertPerson(sns.stores, {
      id: 'sns_old_account_2', firstName: 'Malee', lastName: 'Longtime', dateOfBirth: bornYearsAgo(50), collectedDaysAgo: 400,
      accounts: [{ username: 'malee_old', daysAgo: 400, logins: [{ daysAgo: 7, ipAddress: '203.0.113.80', userAgent: 'curl/8' }] }, { username: 'malee_new', daysAgo: 10 }],
    });
    const [oldAccount, newAccount] = c.accounts;
    const q = `query($id: ID!) { customer(id: $id) { accounts { id username } } }`;
    const r = await ask(sns, 'security-service', 'login_records', q, { id: c.id });
    expectResponse(r, 200, { data: { customer: { accounts: [{ id: newAccount.id, username: 'malee_new' }] } } });
    expect(await accessLog(sns, r)).toEqual([
      { effect: 'ALLOW', reason: null, category: 'account.username', field_path: 'customer', fields: ['accounts.0.id', 'accounts.0.username'] },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'account.username', field_path: 'customer', fields: [`accounts[id=${oldAccount.id}]`] },
    ]);
  });
});
