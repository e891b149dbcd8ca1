/**
 * Word lists for synthetic people: names by nationality, Thai provinces with real postcodes,
 * addresses abroad. Plain data, kept apart from the generator so the logic stays readable.
 * Every person built from these lists is fictional; the lists only make the data look real
 * enough to exercise masking, search and rendering (Thai script, diacritics, long names).
 */

/** [Thai script, romanised]. */
export type ThaiWord = readonly [string, string];

/** Thai given names, by gender, and family names. */
export const THAI_MALE: readonly ThaiWord[] = [
  ['สมชาย', 'Somchai'], ['สมศักดิ์', 'Somsak'], ['ธนากร', 'Thanakorn'], ['ณัฐวุฒิ', 'Nattawut'],
  ['วีระพงษ์', 'Weerapong'], ['อนุชา', 'Anucha'], ['กิตติพงษ์', 'Kittipong'], ['ชัยวัฒน์', 'Chaiwat'],
  ['สุรชัย', 'Surachai'], ['พีระพล', 'Peerapon'], ['ธีรวัฒน์', 'Teerawat'], ['วรวิทย์', 'Worawit'],
  ['ภาณุ', 'Panu'], ['ศุภชัย', 'Supachai'], ['อภิชาติ', 'Apichat'], ['นพดล', 'Noppadon'],
  ['เอกชัย', 'Ekkachai'], ['ปิยะ', 'Piya'], ['ธนวัฒน์', 'Thanawat'], ['จิรายุ', 'Jirayu'],
  ['กฤษดา', 'Kritsada'], ['ชยพล', 'Chayapon'], ['ภูมิ', 'Phum'], ['ธนภัทร', 'Thanapat'],
];

/** See THAI_MALE. */
export const THAI_FEMALE: readonly ThaiWord[] = [
  ['สมหญิง', 'Somying'], ['มาลี', 'Malee'], ['ปวีณา', 'Paweena'], ['สุภาพร', 'Supaporn'],
  ['วรรณา', 'Wanna'], ['กาญจนา', 'Kanchana'], ['นภัสสร', 'Napatsorn'], ['ศิริพร', 'Siriporn'],
  ['พิมพ์ชนก', 'Pimchanok'], ['อรอุมา', 'Ornuma'], ['ชนิดา', 'Chanida'], ['จิราพร', 'Jiraporn'],
  ['ณัฐธิดา', 'Natthida'], ['ปิยะนุช', 'Piyanuch'], ['รัตนา', 'Rattana'], ['สุนิสา', 'Sunisa'],
  ['อัญชลี', 'Anchalee'], ['ธิดารัตน์', 'Thidarat'], ['กมลชนก', 'Kamonchanok'], ['เบญจวรรณ', 'Benjawan'],
  ['ปาริชาต', 'Parichat'], ['วิไลวรรณ', 'Wilaiwan'], ['ลลิตา', 'Lalita'], ['พรทิพย์', 'Pornthip'],
];

/** See THAI_MALE. */
export const THAI_LAST: readonly ThaiWord[] = [
  ['ใจดี', 'Jaidee'], ['ศรีสุข', 'Srisuk'], ['สุขสวัสดิ์', 'Suksawat'], ['วงศ์สวัสดิ์', 'Wongsawat'],
  ['แก้วมณี', 'Kaewmanee'], ['ทองดี', 'Thongdee'], ['บุญมา', 'Boonma'], ['รัตนพันธ์', 'Rattanaphan'],
  ['ศรีวงศ์', 'Sriwong'], ['พงษ์ไพบูลย์', 'Pongpaiboon'], ['เจริญผล', 'Charoenphon'], ['อินทร์แก้ว', 'Inkaew'],
  ['สายทอง', 'Saithong'], ['จันทร์เพ็ญ', 'Chanpen'], ['มั่นคง', 'Mankong'], ['ปัญญาดี', 'Panyadee'],
  ['ชัยมงคล', 'Chaimongkol'], ['ธนสาร', 'Thanasan'], ['วัฒนกุล', 'Wattanakul'], ['สมบูรณ์', 'Somboon'],
  ['กิตติศักดิ์', 'Kittisak'], ['นาคสุข', 'Naksuk'], ['ประเสริฐสุข', 'Prasertsuk'], ['ลิ้มเจริญ', 'Limcharoen'],
  ['ตั้งวงศ์', 'Tangwong'], ['โชติวัฒน์', 'Chotiwat'], ['เพชรรัตน์', 'Petcharat'], ['บุญเรือง', 'Boonruang'],
  ['ศักดิ์สิทธิ์', 'Saksit'], ['อุดมสุข', 'Udomsuk'],
];

/** Thai nicknames, stored as `alias`. */
export const THAI_NICKNAMES: readonly ThaiWord[] = [
  ['นก', 'Nok'], ['พลอย', 'Ploy'], ['แบงค์', 'Bank'], ['บีม', 'Beam'], ['ต้น', 'Ton'], ['เบียร์', 'Beer'],
  ['ฝน', 'Fon'], ['มิ้นท์', 'Mint'], ['กอล์ฟ', 'Golf'], ['ปุ๊ก', 'Puk'], ['แนน', 'Nan'], ['โอ๊ต', 'Oat'],
  ['ปิง', 'Ping'], ['ตาล', 'Tan'], ['อ้อม', 'Aom'], ['เก่ง', 'Keng'], ['ปอ', 'Por'], ['นุ่น', 'Noon'],
];

/** A non-Thai nationality: names, passport format, where such customers live when not in Thailand. */
export interface Nationality {
  code: string;
  male: readonly string[];
  female: readonly string[];
  last: readonly string[];
  /** Empty when the naming custom has no middle names. */
  middle: readonly string[];
  /** Passport pattern: `9` a digit, `A` a capital letter, `X` either; other characters are literal. */
  passport: string;
  /** [city, postcode, street pattern with `#` for the house number]. */
  homes: readonly (readonly [string, string, string])[];
}

/** The non-Thai nationalities customers have. */
export const FOREIGN: readonly Nationality[] = [
  {
    code: 'JP', passport: 'TA9999999', middle: [],
    male: ['Haruto', 'Sota', 'Yuto', 'Kenji', 'Takashi', 'Hiroshi'], female: ['Yui', 'Aoi', 'Sakura', 'Yuki', 'Hana', 'Mei'],
    last: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura'],
    homes: [['Tokyo', '150-0001', '#-2-3 Jingumae, Shibuya-ku'], ['Osaka', '530-0001', '#-1 Umeda, Kita-ku']],
  },
  {
    code: 'CN', passport: 'E99999999', middle: [],
    male: ['Wei', 'Jun', 'Hao', 'Lei', 'Qiang'], female: ['Fang', 'Xiuying', 'Lina', 'Meiling', 'Jing'],
    last: ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao'],
    homes: [['Shanghai', '200031', 'No. # Huaihai Middle Road'], ['Kunming', '650032', 'No. # Dongfeng East Road']],
  },
  {
    code: 'US', passport: '999999999', middle: ['Lee', 'Ann', 'Marie', 'James', 'Edward', 'Rose'],
    male: ['James', 'Michael', 'Robert', 'David', 'William', 'Daniel'], female: ['Mary', 'Jennifer', 'Linda', 'Sarah', 'Emily', 'Jessica'],
    last: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Garcia'],
    homes: [['Portland, OR', '97205', '# SW Maple Street'], ['Austin, TX', '78701', '# Congress Avenue, Apt 4B']],
  },
  {
    code: 'GB', passport: '999999999', middle: ['Alexander', 'Louise', 'Elizabeth', 'John'],
    male: ['Oliver', 'George', 'Harry', 'Jack', 'Thomas'], female: ['Olivia', 'Amelia', 'Isla', 'Emily', 'Sophie'],
    last: ['Taylor', 'Wilson', 'Evans', 'Thomas', 'Roberts', 'Walker', "O'Brien"],
    homes: [['London', 'N1 9GU', '# Upper Street'], ['Manchester', 'M1 1AD', 'Flat #, Piccadilly Court']],
  },
  {
    code: 'DE', passport: 'CXXXXXXXX', middle: ['Maria', 'Johann', 'Friedrich'],
    male: ['Lukas', 'Felix', 'Jonas', 'Maximilian', 'Stefan'], female: ['Anna', 'Lena', 'Marie', 'Sophie', 'Katharina'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner'],
    homes: [['Berlin', '10115', 'Invalidenstraße #'], ['München', '80331', 'Sendlinger Straße #']],
  },
  {
    code: 'FR', passport: '99AA99999', middle: ['Marie', 'Pierre'],
    male: ['Louis', 'Gabriel', 'Hugo', 'Lucas', 'Antoine'], female: ['Camille', 'Chloé', 'Léa', 'Manon', 'Inès'],
    last: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Petit', 'Durand'],
    homes: [['Paris', '75011', '# rue Oberkampf'], ['Lyon', '69002', '# rue de la République']],
  },
  {
    code: 'IN', passport: 'A9999999', middle: ['Kumar', 'Devi', 'Raj'],
    male: ['Aarav', 'Vihaan', 'Arjun', 'Rahul', 'Rohan'], female: ['Priya', 'Ananya', 'Diya', 'Kavya', 'Neha'],
    last: ['Sharma', 'Patel', 'Singh', 'Gupta', 'Reddy', 'Iyer'],
    homes: [['Bengaluru', '560001', '#, MG Road'], ['Mumbai', '400050', '#, Hill Road, Bandra West']],
  },
  {
    code: 'MM', passport: 'MA999999', middle: [],
    male: ['Aung', 'Kyaw', 'Min', 'Zaw', 'Htet'], female: ['Thandar', 'Khin', 'Su', 'Nilar', 'Ei'],
    last: ['Win', 'Htun', 'Oo', 'Naing', 'Myint', 'Kyaw Moe'],
    homes: [['Yangon', '11181', 'No. #, Bogyoke Aung San Road']],
  },
  {
    code: 'KR', passport: 'M99999999', middle: [],
    male: ['Min-jun', 'Seo-jun', 'Ji-ho', 'Hyun-woo'], female: ['Seo-yeon', 'Ji-woo', 'Min-seo', 'Ha-eun'],
    last: ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang'],
    homes: [['Seoul', '04524', '# Sejong-daero, Jung-gu'], ['Busan', '48058', '# Haeundae-ro']],
  },
];

/** Share of each nationality among customers (Thai first; weights need not sum to 1). */
export const NATIONALITY_WEIGHTS: readonly (readonly [string, number])[] = [
  ['TH', 78], ['JP', 4], ['CN', 4], ['US', 3], ['GB', 3], ['DE', 2], ['FR', 1.5], ['IN', 2], ['MM', 2], ['KR', 1.5],
];

/** A district with its real postcode: [romanised, Thai script, postcode]. */
export type District = readonly [string, string, string];

/** Thai provinces (romanised, Thai script) with some of their districts and real postcodes. */
export const PROVINCES: readonly { en: string; th: string; weight: number; districts: readonly District[] }[] = [
  { en: 'Bangkok', th: 'กรุงเทพมหานคร', weight: 40, districts: [
    ['Chatuchak', 'จตุจักร', '10900'], ['Bang Rak', 'บางรัก', '10500'], ['Pathum Wan', 'ปทุมวัน', '10330'],
    ['Watthana', 'วัฒนา', '10110'], ['Huai Khwang', 'ห้วยขวาง', '10310'], ['Lat Phrao', 'ลาดพร้าว', '10230'],
    ['Bang Kapi', 'บางกะปิ', '10240'], ['Sathon', 'สาทร', '10120'], ['Bang Na', 'บางนา', '10260'],
  ] },
  { en: 'Nonthaburi', th: 'นนทบุรี', weight: 8, districts: [['Mueang Nonthaburi', 'เมืองนนทบุรี', '11000'], ['Pak Kret', 'ปากเกร็ด', '11120']] },
  { en: 'Samut Prakan', th: 'สมุทรปราการ', weight: 6, districts: [['Mueang Samut Prakan', 'เมืองสมุทรปราการ', '10270'], ['Bang Phli', 'บางพลี', '10540']] },
  { en: 'Pathum Thani', th: 'ปทุมธานี', weight: 5, districts: [['Khlong Luang', 'คลองหลวง', '12120'], ['Thanyaburi', 'ธัญบุรี', '12110']] },
  { en: 'Chiang Mai', th: 'เชียงใหม่', weight: 8, districts: [['Mueang Chiang Mai', 'เมืองเชียงใหม่', '50200'], ['Hang Dong', 'หางดง', '50230'], ['San Sai', 'สันทราย', '50210']] },
  { en: 'Chon Buri', th: 'ชลบุรี', weight: 6, districts: [['Mueang Chon Buri', 'เมืองชลบุรี', '20000'], ['Bang Lamung', 'บางละมุง', '20150'], ['Si Racha', 'ศรีราชา', '20110']] },
  { en: 'Phuket', th: 'ภูเก็ต', weight: 4, districts: [['Mueang Phuket', 'เมืองภูเก็ต', '83000'], ['Kathu', 'กะทู้', '83120']] },
  { en: 'Khon Kaen', th: 'ขอนแก่น', weight: 4, districts: [['Mueang Khon Kaen', 'เมืองขอนแก่น', '40000']] },
  { en: 'Nakhon Ratchasima', th: 'นครราชสีมา', weight: 4, districts: [['Mueang Nakhon Ratchasima', 'เมืองนครราชสีมา', '30000'], ['Pak Chong', 'ปากช่อง', '30130']] },
  { en: 'Songkhla', th: 'สงขลา', weight: 4, districts: [['Hat Yai', 'หาดใหญ่', '90110'], ['Mueang Songkhla', 'เมืองสงขลา', '90000']] },
  { en: 'Udon Thani', th: 'อุดรธานี', weight: 3, districts: [['Mueang Udon Thani', 'เมืองอุดรธานี', '41000']] },
  { en: 'Surat Thani', th: 'สุราษฎร์ธานี', weight: 3, districts: [['Ko Samui', 'เกาะสมุย', '84140'], ['Mueang Surat Thani', 'เมืองสุราษฎร์ธานี', '84000']] },
];

/** Road names: [romanised, Thai script]. */
export const ROADS: readonly ThaiWord[] = [
  ['Sukhumvit', 'สุขุมวิท'], ['Phahonyothin', 'พหลโยธิน'], ['Ratchadaphisek', 'รัชดาภิเษก'], ['Rama IV', 'พระรามที่ 4'],
  ['Silom', 'สีลม'], ['Charoen Krung', 'เจริญกรุง'], ['Lat Phrao', 'ลาดพร้าว'], ['Ngam Wong Wan', 'งามวงศ์วาน'],
  ['Chaeng Watthana', 'แจ้งวัฒนะ'], ['Srinagarindra', 'ศรีนครินทร์'], ['Mittraphap', 'มิตรภาพ'], ['Huay Kaew', 'ห้วยแก้ว'],
];

/** Thai bank names as printed on statements. */
export const THAI_BANKS: readonly string[] = [
  'Bangkok Bank', 'Kasikornbank', 'Siam Commercial Bank', 'Krungthai Bank', 'Bank of Ayudhya (Krungsri)',
  'TMBThanachart Bank (ttb)', 'Government Savings Bank', 'Kiatnakin Phatra Bank', 'CIMB Thai', 'UOB Thailand',
];

/** Company names for invoices billed to a business. */
export const COMPANIES: readonly string[] = [
  'Siam Widget Co., Ltd.', 'Chao Phraya Trading Co., Ltd.', 'บริษัท สยามดิจิทัล จำกัด', 'Lanna Software Co., Ltd.',
  'บริษัท รุ่งเรืองการค้า จำกัด (มหาชน)', 'Andaman Logistics Co., Ltd.', 'Isan Agro Partnership Ltd.',
];

/** Email domains. Reserved example domains only, so nothing generated can reach a real mailbox. */
export const EMAIL_DOMAINS: readonly string[] = [
  'example.com', 'example.net', 'example.org', 'mail.example', 'inbox.example', 'th.example',
];
