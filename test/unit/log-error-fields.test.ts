import { errorFields } from '../../src/log';

/** A log line names a database error by its SQLSTATE, never by its message, which can quote input. */
test('a PostgreSQL error is logged by its code only; a TypeORM wrapper by its driver error\'s code', () => {
  const pg = Object.assign(new Error('duplicate key value violates unique constraint "emails_address_key": Key (address)=(somchai@example.com) already exists.'), { code: '23505' });
  const wrapped = Object.assign(new Error('Key (tax_id)=(1101700205555) is not present'), { driverError: { code: '23503' } });
  expect([errorFields(pg), errorFields(wrapped)]).toEqual([{ error: 'database error', code: '23505' }, { error: 'database error', code: '23503' }]);
});

test('a system error by its code; the gateway\'s own errors by their message', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  expect([errorFields(refused), errorFields(new Error('the crm database has migrations pending')), errorFields('x')]).toEqual([
    { error: 'system error', code: 'ECONNREFUSED' }, { error: 'the crm database has migrations pending' }, { error: 'unknown error' },
  ]);
});
