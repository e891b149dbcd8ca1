import { datasetKey, fidesDataType, guessCategory, nameWords } from '../../src/catalog/draft';

/** The column-name guesses of `catalog draft` (src/catalog/draft.ts), on names written by hand. */
test('column names split into words: snake, camel, capitals, digits, punctuation', () => {
  expect(['customerEMail2', 'E-Mail Address', 'Phone #', 'FAMILY_NAME', 'ipAddress', 'HTTPStatus', 'ipv4'].map(nameWords)).toEqual([
    ['customer', 'e', 'mail', '2'],
    ['e', 'mail', 'address'],
    ['phone'],
    ['family', 'name'],
    ['ip', 'address'],
    ['http', 'status'],
    ['ipv', '4'],
  ]);
});

test('guesses: fideslang categories by whole words, not substrings; no guess where nothing fits', () => {
  const names = [
    'email', 'contact_email', 'E-Mail Address', 'password_hash', 'mobile', 'tel_no', 'fax', 'date_of_birth', 'dob', 'birthPlace',
    'iban', 'account_number', 'account_id', 'card_number', 'passport_no', 'drivers_license', 'national_id', 'tax_id', 'ip', 'zip',
    'description', 'username', 'street', 'address_line_2', 'city', 'postcode', 'country', 'address', 'gender', 'first_name',
    'name', 'product_name', 'status', 'created_at', 'customerEMail2', 'client_ipv6', 'address1',
  ];
  expect(names.map((n) => [n, guessCategory(n)])).toEqual([
    ['email', 'user.contact.email'],
    ['contact_email', 'user.contact.email'],
    ['E-Mail Address', 'user.contact.email'],
    ['password_hash', 'user.authorization.credentials'],
    ['mobile', 'user.contact.phone_number'],
    ['tel_no', 'user.contact.phone_number'],
    ['fax', 'user.contact.fax_number'],
    ['date_of_birth', 'user.demographic.date_of_birth'],
    ['dob', 'user.demographic.date_of_birth'],
    ['birthPlace', null],
    ['iban', 'user.financial.bank_account'],
    ['account_number', 'user.financial.bank_account'],
    ['account_id', null],
    ['card_number', 'user.financial.credit_card'],
    ['passport_no', 'user.government_id.passport_number'],
    ['drivers_license', 'user.government_id.drivers_license_number'],
    ['national_id', 'user.government_id.national_identification_number'],
    ['tax_id', 'user.government_id'],
    ['ip', 'user.device.ip_address'],
    ['zip', 'user.contact.address.postal_code'],
    ['description', null],
    ['username', 'user.account.username'],
    ['street', 'user.contact.address.street'],
    ['address_line_2', 'user.contact.address.street'],
    ['city', 'user.contact.address.city'],
    ['postcode', 'user.contact.address.postal_code'],
    ['country', 'user.contact.address.country'],
    ['address', 'user.contact.address'],
    ['gender', 'user.demographic.gender'],
    ['first_name', 'user.name'],
    ['name', 'user.name'],
    ['product_name', null],
    ['status', null],
    ['created_at', null],
    ['customerEMail2', 'user.contact.email'],
    ['client_ipv6', 'user.device.ip_address'],
    ['address1', 'user.contact.address.street'],
  ]);
});

test('PostgreSQL types to fideslang data types; none where fideslang has no fit', () => {
  const types: [string, string][] = [['int4', 'N'], ['int8', 'N'], ['numeric', 'N'], ['float8', 'N'], ['bool', 'B'], ['text', 'S'], ['varchar', 'S'], ['uuid', 'U'], ['timestamptz', 'D'], ['date', 'D'], ['inet', 'I'], ['interval', 'T'], ['jsonb', 'U'], ['bytea', 'U'], ['point', 'G']];
  expect(types.map(([t, c]) => [t, fidesDataType(t, c)])).toEqual([
    ['int4', 'integer'], ['int8', 'integer'], ['numeric', 'float'], ['float8', 'float'], ['bool', 'boolean'], ['text', 'string'], ['varchar', 'string'],
    ['uuid', 'string'], ['timestamptz', 'string'], ['date', 'string'], ['inet', 'string'], ['interval', 'string'], ['jsonb', null], ['bytea', null], ['point', null],
  ]);
});

test('dataset keys: the database name (and schema when not public), made a fides_key', () => {
  expect([datasetKey('shop', 'public'), datasetKey('shop', 'sales'), datasetKey('my shop!', 'public')]).toEqual(['shop', 'shop_sales', 'my_shop_']);
});
