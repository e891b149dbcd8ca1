/**
 * Labels of the HTML export, in Thai and English. A pack with `language: th` shows both
 * ("ข้อมูลส่วนบุคคลของคุณ / Your personal data"), one with `language: en` English only. A key
 * without a label (a category or right a future pack adds) shows as itself.
 */
type Pair = readonly [th: string, en: string];

export const SECTION: Record<string, Pair> = {
  title: ['สำเนาข้อมูลส่วนบุคคลของคุณ', 'Copy of your personal data'],
  intro: [
    'เอกสารนี้แสดงข้อมูลส่วนบุคคลทั้งหมดที่เราเก็บเกี่ยวกับคุณ แหล่งที่มา วัตถุประสงค์ ผู้ที่ได้รับข้อมูล และสิทธิของคุณ',
    'This document shows all the personal data we hold about you, where it came from, why we use it, who received it, and your rights.',
  ],
  personalData: ['ข้อมูลส่วนบุคคลของคุณ', 'Your personal data'],
  summary: ['สรุปประเภทข้อมูล', 'Categories we hold'],
  contacts: ['ช่องทางการติดต่อ', 'Contacts'],
  controller: ['ผู้ควบคุมข้อมูลส่วนบุคคล', 'Data controller'],
  dpo: ['เจ้าหน้าที่คุ้มครองข้อมูลส่วนบุคคล', 'Data protection officer'],
  regulator: ['หน่วยงานกำกับดูแล (ร้องเรียน)', 'Supervisory authority (complaints)'],
  rights: ['สิทธิของคุณ', 'Your rights'],
  responseDeadline: ['เราตอบคำขอใช้สิทธิภายใน', 'We answer a rights request within'],
  purposes: ['วัตถุประสงค์และฐานทางกฎหมาย', 'Purposes and lawful bases'],
  retention: ['ระยะเวลาการเก็บรักษา', 'How long we keep your data'],
  history: ['ประวัติความยินยอม การคัดค้าน และการระงับการใช้ข้อมูล', 'Consents, objections and restrictions'],
  recipients: ['ผู้ที่ได้รับข้อมูลของคุณ', 'Who received your data'],
  recipientsNote: [
    'จากบันทึกการเข้าถึงข้อมูล: บริการใดได้รับข้อมูลประเภทใด เพื่อวัตถุประสงค์ใด ครั้งแรก ครั้งล่าสุด และจำนวนครั้ง',
    'From the access log: which service received which category of your data, for which purpose, first and last time, and how often.',
  ],
  declaredRecipients: ['ผู้รับข้อมูลตามนโยบายความเป็นส่วนตัว', 'Recipients named in our privacy policy'],
  transfers: ['การส่งข้อมูลไปต่างประเทศ', 'Transfers abroad'],
  noTransfers: ['เราไม่ส่งข้อมูลของคุณไปต่างประเทศ', 'We do not transfer your data abroad'],
  automated: ['การตัดสินใจโดยอัตโนมัติ', 'Automated decisions'],
  sources: ['แหล่งที่มาของข้อมูล', 'Where the data came from'],
  policy: ['นโยบายที่ใช้', 'Policy in force'],
  generatedAt: ['จัดทำเมื่อ', 'Generated'],
  customerId: ['รหัสลูกค้า', 'Customer ID'],
  source: ['แหล่งที่มา', 'Source'],
  collectedAt: ['วันที่เก็บรวบรวม', 'Collected'],
  records: ['จำนวนรายการ', 'Records'],
  category: ['ประเภทข้อมูล', 'Category'],
  purpose: ['วัตถุประสงค์', 'Purpose'],
  lawfulBasis: ['ฐานทางกฎหมาย', 'Lawful basis'],
  status: ['สถานะตอนนี้', 'Now'],
  inUse: ['ใช้ได้', 'In use'],
  notInUse: ['ไม่ใช้', 'Not used'],
  purposeRetention: ['ระยะเวลาเก็บตามวัตถุประสงค์นี้', 'This purpose\'s retention'],
  retentionNote: [
    'ระยะเวลาที่เราเก็บข้อมูลแต่ละประเภทจริง คือระยะเวลาที่ยาวที่สุดของวัตถุประสงค์ที่ใช้ข้อมูลนั้น นับจากวันที่เก็บรวบรวมแต่ละรายการ เมื่อพ้นกำหนดแล้ว ข้อมูลจะถูกลบหรือทำให้ไม่สามารถระบุตัวตนได้ การตอบคำขอใช้สิทธิและการบันทึกความยินยอมไม่ทำให้เราเก็บข้อมูลของคุณนานขึ้น',
    'How long we actually keep each category: the longest retention of the purposes that use it, counted from when each record was collected; then the record is deleted or anonymised. Answering your requests and recording your consents do not make us keep your data longer.',
  ],
  keptFor: ['ระยะเวลาที่เก็บ', 'Kept for'],
  setBy: ['กำหนดโดยวัตถุประสงค์', 'Set by the purpose'],
  perPurpose: ['ตามวัตถุประสงค์', 'Per purpose'],
  noLimit: ['ไม่มีกำหนด', 'No limit stated'],
  untilErased: ['ไม่มีกำหนดระยะเวลา: เก็บจนกว่าจะลบ', 'No time limit: kept until erased'],
  notCollected: ['นโยบายนี้ไม่ได้เก็บข้อมูลประเภทนี้: จะถูกลบในรอบการลบข้อมูลตามระยะเวลาครั้งถัดไป', 'Not collected under this policy: deleted by the next retention sweep'],
  noPurpose: ['ไม่มีวัตถุประสงค์ใดในนโยบายครอบคลุม: ยังเก็บไว้จนกว่าจะกำหนดระยะเวลา', 'No purpose of the policy covers it: kept until a retention is set'],
  caller: ['ผู้รับ (บริการ)', 'Recipient (service)'],
  effect: ['ได้รับแบบ', 'Given as'],
  firstAt: ['ครั้งแรก', 'First'],
  lastAt: ['ครั้งล่าสุด', 'Last'],
  count: ['จำนวนครั้ง', 'Times'],
  none: ['ไม่มี', 'None'],
  name: ['ชื่อ', 'Name'],
  email: ['อีเมล', 'Email'],
  phone: ['โทรศัพท์', 'Phone'],
  address: ['ที่อยู่', 'Address'],
  website: ['ติดต่อ', 'Contact'],
  country: ['ประเทศ', 'Country'],
  safeguard: ['มาตรการคุ้มครอง', 'Safeguard'],
  record: ['รายการ', 'Record'],
  partOf: ['ของ', 'of'],
  yes: ['ใช่', 'yes'],
  no: ['ไม่ใช่', 'no'],
  end: ['จบเอกสาร', 'End of document'],
};

export const CATEGORY: Record<string, Pair> = {
  identity: ['ข้อมูลระบุตัวตน', 'Identity'],
  'identity.name': ['ชื่อ-นามสกุล', 'Name'],
  'identity.date_of_birth': ['วันเดือนปีเกิด', 'Date of birth'],
  'identity.gender': ['เพศ', 'Gender'],
  'identity.nationality': ['สัญชาติ', 'Nationality'],
  'identity.national_id': ['เลขประจำตัวประชาชน', 'National ID number'],
  'identity.passport': ['หนังสือเดินทาง', 'Passport'],
  'identity.id_document': ['เอกสารแสดงตัวตน', 'Identity documents'],
  'identity.signature': ['ลายมือชื่อ', 'Signature'],
  'identity.photo': ['รูปถ่ายและภาพเคลื่อนไหว', 'Photos and video'],
  contact: ['ข้อมูลการติดต่อ', 'Contact details'],
  'contact.email': ['อีเมล', 'Email addresses'],
  'contact.phone': ['หมายเลขโทรศัพท์', 'Phone numbers'],
  'contact.fax': ['โทรสาร', 'Fax numbers'],
  'contact.address': ['ที่อยู่', 'Postal addresses'],
  'contact.social_media': ['บัญชีโซเชียลมีเดีย', 'Social-media accounts'],
  account: ['บัญชีผู้ใช้', 'Account'],
  'account.username': ['ชื่อผู้ใช้', 'User accounts'],
  'account.usage_history': ['ประวัติการใช้งาน', 'Usage history'],
  technical: ['ข้อมูลทางเทคนิค', 'Technical data'],
  'technical.ip_address': ['หมายเลขไอพี', 'IP addresses'],
  'technical.user_agent': ['เบราว์เซอร์และอุปกรณ์', 'Browsers and devices'],
  'technical.activity_time': ['เวลาเข้าใช้งาน', 'Login and activity times'],
  'technical.cookie_id': ['คุกกี้', 'Cookie identifiers'],
  communication: ['การติดต่อสื่อสาร', 'Communications'],
  'communication.support_ticket': ['เรื่องที่แจ้งฝ่ายบริการ', 'Support tickets'],
  'communication.chat': ['ข้อความสนทนา', 'Conversation texts'],
  'communication.call_log': ['บันทึกการโทร', 'Call log'],
  'communication.call_recording': ['การบันทึกเสียงสนทนา', 'Call recordings'],
  work: ['ข้อมูลการทำงาน', 'Work'],
  'work.occupation': ['อาชีพ', 'Occupation'],
  'work.employer': ['สถานที่ทำงาน', 'Employer'],
  financial: ['ข้อมูลการเงิน', 'Financial data'],
  'financial.bank_account': ['บัญชีธนาคาร', 'Bank accounts'],
  'financial.payment_card': ['บัตรชำระเงิน', 'Payment cards'],
  'financial.order': ['ประวัติการสั่งซื้อ', 'Orders'],
  'financial.invoice': ['ใบเสร็จและใบกำกับภาษี', 'Receipts and tax invoices'],
  'financial.tax_id': ['เลขประจำตัวผู้เสียภาษี', 'Taxpayer ID'],
  health: ['ข้อมูลสุขภาพ', 'Health data'],
  'health.declaration': ['แบบคัดกรองสุขภาพ', 'Health declarations'],
  biometric: ['ข้อมูลชีวภาพ', 'Biometric data'],
  religion: ['ศาสนาหรือความเชื่อ', 'Religion or belief'],
  criminal_record: ['ประวัติอาชญากรรม', 'Criminal record'],
  diversity: ['ข้อมูลความหลากหลาย', 'Diversity data'],
  access_log: ['บันทึกการเข้าถึงข้อมูล', 'Access log'],
};

export const FIELD: Record<string, Pair> = {
  firstName: ['ชื่อ', 'First name'], middleName: ['ชื่อกลาง', 'Middle name'], lastName: ['นามสกุล', 'Last name'], alias: ['ชื่อเล่น', 'Alias'],
  dateOfBirth: ['วันเกิด', 'Date of birth'], gender: ['เพศ', 'Gender'], nationality: ['สัญชาติ', 'Nationality'],
  nationalId: ['เลขประจำตัวประชาชน', 'National ID'], passportNumber: ['เลขหนังสือเดินทาง', 'Passport number'],
  address: ['ที่อยู่อีเมล', 'Email address'], primary: ['หลัก', 'Primary'], number: ['หมายเลข', 'Number'], kind: ['ประเภท', 'Kind'],
  line1: ['ที่อยู่', 'Line 1'], line2: ['ที่อยู่ (ต่อ)', 'Line 2'], city: ['เมือง', 'City'], postcode: ['รหัสไปรษณีย์', 'Postcode'], country: ['ประเทศ', 'Country'],
  platform: ['แพลตฟอร์ม', 'Platform'], handle: ['ชื่อบัญชี', 'Handle'], username: ['ชื่อผู้ใช้', 'Username'],
  ipAddress: ['หมายเลขไอพี', 'IP address'], userAgent: ['เบราว์เซอร์', 'User agent'], occurredAt: ['เวลา', 'Time'],
  channel: ['ช่องทาง', 'Channel'], subject: ['เรื่อง', 'Subject'], body: ['ข้อความ', 'Text'],
  phoneNumber: ['หมายเลข', 'Number'], direction: ['ทิศทาง', 'Direction'], startedAt: ['เริ่ม', 'Started'], durationSeconds: ['ระยะเวลา (วินาที)', 'Duration (s)'],
  visitedAt: ['วันที่เข้าพบ', 'Visited'], temperatureC: ['อุณหภูมิ (°C)', 'Temperature (°C)'], symptoms: ['อาการ', 'Symptoms'], exposure: ['สัมผัสผู้ป่วย', 'Exposure'],
  vaccinationStatus: ['การฉีดวัคซีน', 'Vaccination'], testResult: ['ผลตรวจ', 'Test result'], recentTravel: ['การเดินทาง', 'Recent travel'],
  bankName: ['ธนาคาร', 'Bank'], accountHolder: ['ชื่อบัญชี', 'Account holder'], accountNumber: ['เลขที่บัญชี', 'Account number'],
  token: ['โทเคน', 'Token'], last4: ['เลขท้าย 4 หลัก', 'Last 4'], brand: ['ประเภทบัตร', 'Brand'], expiry: ['หมดอายุ', 'Expiry'],
  orderedAt: ['วันที่สั่ง', 'Ordered'], total: ['ยอดรวม', 'Total'], currency: ['สกุลเงิน', 'Currency'], status: ['สถานะ', 'Status'], items: ['รายการสินค้า', 'Items'],
  invoiceNumber: ['เลขที่ใบกำกับ', 'Invoice number'], issuedAt: ['วันที่ออก', 'Issued'], billingName: ['ชื่อผู้ซื้อ', 'Billing name'],
  billingAddress: ['ที่อยู่ผู้ซื้อ', 'Billing address'], amount: ['จำนวนเงิน', 'Amount'], taxId: ['เลขประจำตัวผู้เสียภาษี', 'Tax ID'],
  // history
  purpose: ['วัตถุประสงค์', 'Purpose'], category: ['ประเภทข้อมูล', 'Category'], action: ['การดำเนินการ', 'Action'], givenBy: ['ผู้ให้', 'Given by'],
  explicit: ['โดยชัดแจ้ง', 'Explicit'], expiresAt: ['หมดอายุ', 'Expires'], source: ['ช่องทาง', 'Channel'], reason: ['เหตุผล', 'Reason'],
  recordedAt: ['บันทึกเมื่อ', 'Recorded'], recordedBy: ['บันทึกโดย', 'Recorded by'],
};

export const HISTORY: Record<string, Pair> = {
  consents: ['ความยินยอม', 'Consents'],
  objections: ['การคัดค้าน', 'Objections'],
  restrictions: ['การระงับการใช้ข้อมูล', 'Restrictions'],
  rectifications: ['การขอแก้ไขข้อมูล', 'Corrections'],
  erasures: ['การลบข้อมูล', 'Erasures'],
};

export const VALUE: Record<string, Pair> = {
  // lawful bases
  consent: ['ความยินยอม', 'Consent'],
  contract: ['การปฏิบัติตามสัญญา', 'Contract'],
  legal_obligation: ['การปฏิบัติตามกฎหมาย', 'Legal obligation'],
  legitimate_interest: ['ประโยชน์โดยชอบด้วยกฎหมาย', 'Legitimate interest'],
  vital_interest: ['ประโยชน์สำคัญต่อชีวิต', 'Vital interest'],
  public_task: ['ภารกิจเพื่อประโยชน์สาธารณะ', 'Public task'],
  // rights
  access: ['สิทธิขอเข้าถึงและขอรับสำเนาข้อมูล', 'Access and a copy'],
  portability: ['สิทธิขอรับและโอนย้ายข้อมูล', 'Data portability'],
  rectification: ['สิทธิขอแก้ไขข้อมูล', 'Rectification'],
  erasure: ['สิทธิขอลบข้อมูล', 'Erasure'],
  restriction: ['สิทธิขอระงับการใช้ข้อมูล', 'Restriction of processing'],
  objection: ['สิทธิคัดค้าน', 'Objection'],
  withdraw_consent: ['สิทธิถอนความยินยอม', 'Withdrawing consent'],
  complaint: ['สิทธิร้องเรียนต่อหน่วยงานกำกับดูแล', 'Complaint to the regulator'],
  // effects
  ALLOW: ['ข้อมูลเต็ม', 'In full'],
  MASK: ['ปกปิดบางส่วน', 'Masked'],
  DENY: ['ไม่ได้รับ', 'Withheld'],
  // history actions
  grant: ['ให้ความยินยอม', 'given'],
  withdraw: ['ถอนความยินยอม', 'withdrawn'],
  object: ['คัดค้าน', 'objected'],
  remove: ['ยกเลิกการคัดค้าน', 'objection removed'],
  restrict: ['ระงับ', 'restricted'],
  lift: ['ยกเลิกการระงับ', 'lifted'],
  request: ['ขอแก้ไข', 'requested'],
  resolve: ['แก้ไขแล้ว', 'resolved'],
  subject: ['เจ้าของข้อมูล', 'you'],
  guardian: ['ผู้ปกครอง', 'guardian'],
  // reasons a purpose does not use a category now
  CATEGORY_NOT_IN_PURPOSE: ['ไม่อยู่ในวัตถุประสงค์', 'not covered'],
  SUBJECT_ERASED: ['ลบข้อมูลแล้ว', 'erased'],
  RESTRICTED: ['ระงับการใช้', 'restricted'],
  RECTIFICATION_PENDING: ['อยู่ระหว่างการแก้ไข', 'being corrected'],
  OBJECTED: ['คุณคัดค้าน', 'you objected'],
  NO_CONSENT: ['ไม่ได้ให้ความยินยอม', 'no consent'],
  CONSENT_WITHDRAWN: ['ถอนความยินยอมแล้ว', 'consent withdrawn'],
  CONSENT_EXPIRED: ['ความยินยอมหมดอายุ', 'consent expired'],
  GUARDIAN_CONSENT_REQUIRED: ['ต้องได้รับความยินยอมจากผู้ปกครอง', 'guardian consent needed'],
  EXPLICIT_CONSENT_REQUIRED: ['ต้องได้รับความยินยอมโดยชัดแจ้ง', 'explicit consent needed'],
  RETENTION_EXPIRED: ['พ้นระยะเวลาเก็บรักษา', 'past retention'],
};

/** A label in the pack's language: "ไทย / English" for th, English for en; the key itself when unknown. */
export function labelFor(table: Record<string, Pair>, key: string, lang: 'th' | 'en'): string {
  const pair = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
  if (!pair) return key;
  return lang === 'th' ? `${pair[0]} / ${pair[1]}` : pair[1];
}

/** An ISO 8601 duration in words: P2Y -> "2 ปี / 2 years". */
export function durationLabel(iso: string, lang: 'th' | 'en'): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(iso);
  if (!m) return iso;
  const units: [string | undefined, string, string][] = [[m[1], 'ปี', 'year'], [m[2], 'เดือน', 'month'], [m[3], 'สัปดาห์', 'week'], [m[4], 'วัน', 'day']];
  const parts = units.filter(([n]) => n !== undefined && n !== '0');
  const en = parts.map(([n, , u]) => `${n} ${u}${n === '1' ? '' : 's'}`).join(' ');
  const th = parts.map(([n, t]) => `${n} ${t}`).join(' ');
  return lang === 'th' ? `${th} / ${en}` : en;
}
