/**
 * Word lists for synthetic activity: browsers, support conversations, products, health
 * declarations. Support texts are fixed templates that never mention a person, an address or a
 * number, so a message body can never leak another category's personal value.
 */

export const USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.99 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; CPH2487) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
  'SmartTechApp/3.8.1 (iPhone14,5; iOS 17.4.1)',
  'SmartTechApp/3.7.0 (Android 13; Redmi Note 12)',
];

/** [subject, body] pairs for support tickets and chats, in English and Thai. */
export const SUPPORT_TEXTS: readonly (readonly [string, string])[] = [
  ['Order has not arrived', 'Hello, my order was marked as shipped last week but has not arrived yet. Could you check the delivery status?'],
  ['Refund request', 'I would like to return the item I bought because it stopped working after two days. How do I get a refund?'],
  ['Cannot log in', 'I reset my password but the app still says my login is invalid. Please help.'],
  ['Warranty question', 'Is the extended warranty transferable if I give the device to a family member?'],
  ['Invoice correction', 'The company name on my tax invoice is misspelled. Can you issue a corrected invoice?'],
  ['Change delivery time', 'Can the courier deliver after 6 pm instead? Nobody is home during the day.'],
  ['Unsubscribe from newsletter', 'Please stop sending me promotional emails. Thank you.'],
  ['Data access request', 'I would like a copy of the personal data you hold about me.'],
  ['สินค้ายังไม่ได้รับ', 'สวัสดีค่ะ สั่งสินค้าไปเมื่อสัปดาห์ที่แล้ว สถานะขึ้นว่าจัดส่งแล้วแต่ยังไม่ได้รับของเลยค่ะ รบกวนตรวจสอบให้หน่อยนะคะ'],
  ['ขอคืนเงิน', 'สินค้าที่ได้รับมีตำหนิ ต้องการส่งคืนและขอรับเงินคืนครับ'],
  ['เข้าสู่ระบบไม่ได้', 'เปลี่ยนรหัสผ่านแล้วแต่ยังเข้าแอปไม่ได้ครับ ขึ้นข้อความว่ารหัสไม่ถูกต้อง'],
  ['สอบถามการรับประกัน', 'อยากทราบว่าการรับประกันครอบคลุมกรณีตกหล่นหรือไม่คะ'],
  ['ขอใบกำกับภาษีเต็มรูป', 'ต้องการใบกำกับภาษีเต็มรูปแบบสำหรับคำสั่งซื้อล่าสุด ต้องทำอย่างไรคะ'],
  ['ยกเลิกรับข่าวสาร', 'ไม่ต้องการรับอีเมลโปรโมชั่นอีกต่อไปครับ ขอบคุณครับ'],
];

/** Replies appended to some bodies (still free of personal values). */
export const SUPPORT_REPLIES: readonly string[] = [
  '\n\n-- Agent: Thank you for contacting us. We have forwarded your request to the relevant team.',
  '\n\n-- Agent: This has been resolved. Please let us know if you need anything else.',
  '\n\n-- เจ้าหน้าที่: ขอบคุณที่ติดต่อเรา ทางเราได้ดำเนินการเรียบร้อยแล้วค่ะ',
];

/** [product, unit price in satang]. */
export const PRODUCTS: readonly (readonly [string, number])[] = [
  ['USB-C cable 1 m', 29000], ['Wireless mouse', 59000], ['Mechanical keyboard', 249000], ['27" IPS monitor', 759000],
  ['Laptop stand', 89000], ['Noise-cancelling headphones', 599000], ['Smart watch', 899000], ['Wi-Fi 6 router AX3000', 349000],
  ['External SSD 1 TB', 329000], ['Webcam 1080p', 129000], ['Power bank 20000 mAh', 79000], ['Smart plug', 39000],
  ['Antivirus licence, 1 year', 49000], ['Office suite licence', 249000], ['Extended warranty, 2 years', 99000],
  ['Phone case', 29000], ['Tablet 10"', 1290000], ['สายชาร์จ USB-C', 19000], ['หูฟังไร้สาย', 149000], ['ลำโพงบลูทูธ', 199000],
];

/** [status, weight]: most orders are delivered; open statuses only stay on recent orders. */
export const ORDER_STATUSES: readonly (readonly [string, number])[] = [
  ['delivered', 70], ['shipped', 6], ['paid', 4], ['pending', 3], ['cancelled', 10], ['refunded', 7],
];

/** [brand, weight]. */
export const CARD_BRANDS: readonly (readonly [string, number])[] = [
  ['visa', 45], ['mastercard', 35], ['jcb', 10], ['amex', 5], ['unionpay', 5],
];

/** Symptoms a visitor may tick on a health declaration. */
export const SYMPTOMS: readonly string[] = [
  'fever', 'cough', 'sore throat', 'runny nose', 'loss of smell', 'fatigue', 'headache', 'shortness of breath',
];

/** [status, weight]. */
export const VACCINATION_STATUSES: readonly (readonly [string, number])[] = [
  ['fully_vaccinated', 45], ['boosted', 30], ['partially_vaccinated', 10], ['unvaccinated', 10], ['unknown', 5],
];

/** [result, weight]; null = no test declared. */
export const TEST_RESULTS: readonly (readonly [string | null, number])[] = [
  [null, 50], ['negative', 42], ['positive', 5], ['inconclusive', 3],
];

/** Recent travel a visitor may declare. */
export const TRAVEL_PLACES: readonly string[] = [
  'Japan', 'Singapore', 'Malaysia', 'South Korea', 'China', 'Laos', 'Vietnam', 'United Kingdom', 'Chiang Mai', 'Phuket',
];

/** Platforms of social accounts (LINE is the most used messenger in Thailand). */
export const SOCIAL_PLATFORMS: readonly string[] = ['facebook', 'line', 'instagram', 'x'];
