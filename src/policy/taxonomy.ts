/**
 * The project's data-category taxonomy: one dotted, hierarchical name per kind of personal data,
 * modelled on fideslang. A parent covers its children (`contact` covers `contact.email`), so a
 * purpose may allow a whole branch. Policy packs choose the categories they use from this list;
 * every personal field in the GraphQL schema is tagged with one leaf from it.
 *
 * `sensitive` marks the special categories of PDPA s.26 / GDPR Art.9 that need explicit consent
 * whatever a pack says; a pack may mark more categories sensitive, never fewer.
 */
export interface TaxonomyEntry {
  readonly description: string;
  readonly sensitive?: true;
}

export const TAXONOMY: Readonly<Record<string, TaxonomyEntry>> = {
  identity: { description: 'Who the person is' },
  'identity.name': { description: 'First, middle and last name, alias' },
  'identity.date_of_birth': { description: 'Date of birth and age' },
  'identity.gender': { description: 'Gender' },
  'identity.nationality': { description: 'Nationality' },
  'identity.national_id': { description: 'Thai national ID number or other national identifier' },
  'identity.passport': { description: 'Passport number' },
  'identity.id_document': { description: 'Copies or photos of ID cards and passports' },
  'identity.signature': { description: 'Signature, for example on a power of attorney' },
  'identity.photo': { description: 'Photos and video of the person' },
  contact: { description: 'How to reach the person' },
  'contact.email': { description: 'Email address' },
  'contact.phone': { description: 'Phone number' },
  'contact.fax': { description: 'Fax number' },
  'contact.address': { description: 'Postal address' },
  'contact.social_media': { description: 'Social-media account identifiers' },
  account: { description: 'The person\'s account with the controller' },
  'account.username': { description: 'Login name / user ID' },
  'account.usage_history': { description: 'Records of service use' },
  technical: { description: 'Data collected automatically from devices' },
  'technical.ip_address': { description: 'IP address' },
  'technical.user_agent': { description: 'Browser or device user agent' },
  'technical.activity_time': { description: 'Date and time of logins and other activity' },
  'technical.cookie_id': { description: 'Cookie or device identifier' },
  communication: { description: 'Records of conversations with the controller' },
  'communication.support_ticket': { description: 'Support tickets' },
  'communication.chat': { description: 'Chat, email and social-media conversation records' },
  'communication.call_log': { description: 'Call logs: number, time, duration, direction' },
  'communication.call_recording': { description: 'Recordings of calls' },
  work: { description: 'Work and employer details' },
  'work.occupation': { description: 'Occupation and job title' },
  'work.employer': { description: 'Workplace and employer' },
  financial: { description: 'Payments, accounts and transactions' },
  'financial.bank_account': { description: 'Bank name, account holder, account number' },
  'financial.payment_card': { description: 'Payment card token and last four digits' },
  'financial.order': { description: 'Orders and purchase history' },
  'financial.invoice': { description: 'Receipts and tax invoices, billing name and address' },
  'financial.tax_id': { description: 'Taxpayer ID printed on tax invoices' },
  health: { description: 'Health data', sensitive: true },
  'health.declaration': { description: 'Office-visit health declarations (temperature, symptoms, exposure, vaccination, tests, travel)', sensitive: true },
  biometric: { description: 'Biometric data', sensitive: true },
  religion: { description: 'Religion or philosophical belief', sensitive: true },
  criminal_record: { description: 'Criminal record', sensitive: true },
  diversity: { description: 'Diversity data (ethnicity, disability, orientation)', sensitive: true },
};

export function isKnownCategory(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TAXONOMY, name);
}

/** True when `parent` is `child` or one of its ancestors (`contact` covers `contact.email`). */
export function covers(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent + '.');
}

/** True when the category or any ancestor is sensitive in the taxonomy. */
export function isSensitiveInTaxonomy(name: string): boolean {
  const parts = name.split('.');
  for (let i = parts.length; i > 0; i--) {
    if (TAXONOMY[parts.slice(0, i).join('.')]?.sensitive) return true;
  }
  return false;
}
