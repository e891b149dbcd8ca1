import path from 'node:path';
import { parse } from 'yaml';
import { exportFides, exportYaml } from '../../../src/catalog/export';
import { CatalogError } from '../../../src/catalog/dataset';
import { loadPack } from '../../../src/policy/load-pack';

const FIXTURES = path.resolve(__dirname, '../../fixtures/catalog');
const FILES = [path.join(FIXTURES, 'crm.yml'), path.join(FIXTURES, 'billing.yml')];
const PACK = loadPack(path.resolve(__dirname, '../../../policies/smarttech.yaml'));

/** The export as a Fides server would read it: the YAML text parsed back. */
const exported = () => parse(exportYaml(exportFides(FILES, Object.values(PACK.purposes))));

const declaration = (name: string, dataUse: string, categories: string[], dataset: string) => ({
  name, data_categories: categories, data_use: dataUse, data_subjects: ['customer'], dataset_references: [dataset],
});

test('the export holds the datasets without our keys and one system per store', () => {
  const out = exported();
  expect(Object.keys(out)).toEqual(['dataset', 'system']);
  expect(out.dataset.map((d: { fides_key: string }) => d.fides_key)).toEqual(['crm', 'billing']);
  expect(out.system.map((s: { fides_key: string }) => s.fides_key)).toEqual(['crm_store', 'billing_store']);
  expect(exportYaml(exportFides(FILES, Object.values(PACK.purposes)))).not.toContain('privacy_gateway');
});

test('a dataset is exported as written, privacy_gateway dropped and fidesops_meta renamed', () => {
  const crm = exported().dataset[0];
  expect(crm).toEqual({
    fides_key: 'crm',
    name: 'CRM',
    description: 'Customer records',
    organization_fides_key: 'default_organization',
    collections: [
      {
        name: 'customers',
        fields: [
          { name: 'id', fides_meta: { primary_key: true, data_type: 'string' } },
          { name: 'email', data_categories: ['user.contact.email'], fides_meta: { identity: 'email', data_type: 'string' } },
          { name: 'first_name', data_categories: ['user.name.first'] },
          { name: 'job', description: null, data_categories: ['user.job_title'] },
          { name: 'address', data_categories: ['user.contact.address'], fides_meta: { data_type: 'object' }, fields: [{ name: 'city', data_categories: ['user.contact.address.city'] }] },
          { name: 'source' },
          { name: 'created_at' },
        ],
      },
      {
        name: 'notes',
        fields: [
          { name: 'customer_id', fides_meta: { primary_key: true, references: [{ dataset: 'crm', field: 'customers.id', direction: 'from' }] } },
          { name: 'seq', fides_meta: { primary_key: true, data_type: 'integer' } },
          { name: 'body', data_categories: ['user.content.private'] },
        ],
      },
    ],
  });
  expect(exported().dataset[1]).toEqual({
    fides_key: 'billing',
    collections: [{
      name: 'invoices',
      fides_meta: { after: ['crm.customers'] },
      fields: [
        { name: 'customer_id', fides_meta: { references: [{ dataset: 'crm', field: 'customers.id' }] } },
        { name: 'card_last4', data_categories: ['user.financial.credit_card'] },
      ],
    }],
  });
});

test("a store's system declares every purpose of the pack with its data use and the pack's categories as written", () => {
  expect(exported().system[1]).toEqual({
    fides_key: 'billing_store',
    name: 'billing',
    description: 'The store described by dataset billing, fronted by the privacy gateway',
    system_type: 'Database',
    privacy_declarations: [
      declaration('account_management', 'essential.service', ['identity.name', 'identity.date_of_birth', 'identity.nationality', 'contact.email', 'contact.phone', 'contact.address', 'contact.social_media', 'account.username', 'account.usage_history', 'identity.photo'], 'billing'),
      declaration('order_delivery', 'essential.service', ['identity.name', 'contact.address', 'contact.phone', 'contact.email', 'financial.order'], 'billing'),
      declaration('product_improvement', 'functional.service.improve', ['account.usage_history', 'financial.order', 'technical.ip_address', 'technical.cookie_id', 'technical.activity_time', 'technical.user_agent'], 'billing'),
      declaration('internal_administration', 'operations', ['identity.name', 'contact.email', 'account.username', 'account.usage_history', 'financial.order'], 'billing'),
      declaration('marketing', 'marketing.advertising', ['identity.name', 'contact.email', 'contact.phone', 'technical.cookie_id', 'account.usage_history', 'financial.order'], 'billing'),
      declaration('after_sales', 'essential.service.operations.support', ['identity.name', 'contact.phone', 'contact.email', 'contact.address', 'financial.order', 'communication.support_ticket', 'communication.chat', 'communication.call_log'], 'billing'),
      declaration('feedback', 'functional.service.improve', ['identity.name', 'contact.email', 'contact.phone', 'financial.order'], 'billing'),
      declaration('payment', 'essential.service.payment_processing', ['identity.name', 'financial.payment_card', 'financial.bank_account', 'financial.order'], 'billing'),
      declaration('terms_compliance', 'essential.fraud_detection', ['identity.name', 'identity.id_document', 'account.username', 'account.usage_history', 'technical.ip_address', 'technical.activity_time', 'technical.user_agent'], 'billing'),
      declaration('legal_compliance', 'essential.legal_obligation', ['identity.name', 'identity.national_id', 'identity.passport', 'contact.address', 'financial.order', 'financial.invoice', 'financial.tax_id', 'financial.payment_card'], 'billing'),
      declaration('data_subject_request', 'essential.legal_obligation', ['identity', 'contact', 'account', 'financial', 'technical', 'communication'], 'billing'),
      declaration('consent_management', 'essential.legal_obligation', ['identity.name'], 'billing'),
    ],
  });
  expect(exported().system[0].name).toBe('CRM');
});

test('a purpose without a data_use, or a dataset file that does not load, stops the export', () => {
  expect(() => exportFides(FILES, [{ key: 'p', categories: ['identity.name'] }])).toThrow('purposes without a data_use (a privacy declaration needs one): p');
  expect(() => exportFides([path.join(FIXTURES, 'missing.yml')], [])).toThrow(CatalogError);
});
