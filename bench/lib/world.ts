import { normalisePhone } from '../../src/master/normalise';
import { cumulativeWeights, type Rng } from './rng';

/**
 * Enough of the world to make business partners that look like a manufacturer's real master data: a skewed mix of
 * about thirty countries (Germany and China first), company names in each country's script and legal forms, and
 * e-mail addresses, E.164 phone numbers, tax ids and addresses in each country's shape.
 */
type Style = 'latin' | 'zh' | 'ja' | 'ko';

interface Country {
  code: string;
  /** Relative share of partners; skewed like a German manufacturer's customer base. */
  weight: number;
  currency: string;
  style: Style;
  /** Country calling code, area or mobile prefixes, and the national number's length. */
  phone: [cc: string, prefixes: string[], length: number];
  /** Tax id template: '#' digit, '@' letter, '*' either (see Rng.pattern). */
  tax: string;
  postal: string;
  tld: string;
  /** 'City|Region' or, for CJK names, 'City|Region|native city'. */
  cities: string[];
  streets: string[];
  /** Surnames (latin style) or [native, romanised] brand names (CJK styles). */
  names: string[];
  words: string[];
  legal: string[];
  mail: string[];
  terms: string[];
  /** 'de' folds umlauts to ae/oe/ue in domains, as German companies do. */
  fold?: 'de';
}

const MAIL_DE = ['info', 'einkauf', 'vertrieb', 'buchhaltung', 'kontakt', 'auftrag'];
const MAIL_EN = ['info', 'sales', 'purchasing', 'accounts', 'orders', 'contact'];
const TERMS_DE = ['30 Tage netto', '14 Tage 2 % Skonto, 30 Tage netto', '60 Tage netto', 'Vorkasse'];
const TERMS_EN = ['Net 30', 'Net 60', '2/10 Net 30', 'Net 45', 'Prepayment'];
const WORDS_DE = [
  'Maschinenbau',
  'Fördertechnik',
  'Metallbau',
  'Antriebstechnik',
  'Kunststofftechnik',
  'Elektrotechnik',
  'Präzisionsteile',
  'Werkzeugbau',
  'Automation',
  'Hydraulik',
];
const SURNAMES_DE = [
  'Müller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Meyer',
  'Wagner',
  'Becker',
  'Schäfer',
  'Köhler',
  'Schröder',
  'Weiß',
  'Groß',
  'Hoffmann',
  'Krüger',
  'Zimmermann',
];
const WORDS_EN = [
  'Precision Engineering',
  'Industrial Supply',
  'Manufacturing',
  'Components',
  'Fabrication',
  'Automation',
  'Tooling',
  'Hydraulics',
  'Machine Works',
  'Plastics',
];
const SURNAMES_EN = [
  'Smith',
  'Johnson',
  'Harrison',
  'Carter',
  'Walker',
  'Bennett',
  'Hughes',
  'Parker',
  'Collins',
  'Morgan',
  'Turner',
  'Brooks',
];

const CN_BRANDS = ['恒力|Hengli', '华盛|Huasheng', '金达|Jinda', '东方|Dongfang', '宏远|Hongyuan', '永泰|Yongtai'];
const CN_BRANDS_MORE = [
  '新华|Xinhua',
  '中鼎|Zhongding',
  '天成|Tiancheng',
  '明辉|Minghui',
  '鑫源|Xinyuan',
  '长盛|Changsheng',
];
const CN_WORDS = [
  '精密机械|Precision Machinery',
  '电子科技|Electronic Technology',
  '五金制品|Hardware Products',
  '塑胶制品|Plastic Products',
  '自动化设备|Automation Equipment',
  '模具|Mould',
  '轴承|Bearing',
  '电机|Motor',
];

const COUNTRIES: Country[] = [
  {
    code: 'DE',
    weight: 22,
    currency: 'EUR',
    style: 'latin',
    phone: ['49', ['30', '40', '89', '221', '69', '711', '211', '911', '7151', '2351'], 11],
    tax: 'DE#########',
    postal: '#####',
    tld: 'de',
    cities: [
      'Stuttgart|Baden-Württemberg',
      'München|Bayern',
      'Köln|Nordrhein-Westfalen',
      'Hamburg|Hamburg',
      'Berlin|Berlin',
      'Nürnberg|Bayern',
      'Düsseldorf|Nordrhein-Westfalen',
      'Waiblingen|Baden-Württemberg',
      'Lüdenscheid|Nordrhein-Westfalen',
      'Chemnitz|Sachsen',
    ],
    streets: ['Hauptstraße', 'Industriestraße', 'Bahnhofstraße', 'Gewerbestraße', 'Am Hafen', 'Robert-Bosch-Straße'],
    names: SURNAMES_DE,
    words: WORDS_DE,
    legal: ['GmbH', 'GmbH', 'GmbH & Co. KG', 'AG', 'KG', 'e.K.'],
    mail: MAIL_DE,
    terms: TERMS_DE,
    fold: 'de',
  },
  {
    code: 'CN',
    weight: 12,
    currency: 'CNY',
    style: 'zh',
    phone: ['86', ['138', '139', '150', '186', '137', '21', '755', '512'], 11],
    tax: '91######**********',
    postal: '######',
    tld: 'com.cn',
    cities: [
      'Suzhou|Jiangsu|苏州',
      'Shenzhen|Guangdong|深圳',
      'Ningbo|Zhejiang|宁波',
      'Shanghai|Shanghai|上海',
      'Dongguan|Guangdong|东莞',
      'Wuxi|Jiangsu|无锡',
      'Qingdao|Shandong|青岛',
      'Tianjin|Tianjin|天津',
    ],
    streets: ['Xinghu Street', 'Zhongshan Road', 'Jinqiao Road', 'Nanjing Road', 'Binhai Avenue'],
    names: [...CN_BRANDS, ...CN_BRANDS_MORE],
    words: CN_WORDS,
    legal: ['有限公司', '有限公司', '股份有限公司'],
    mail: ['sales', 'export', 'info', 'service'],
    terms: ['T/T 30 days', 'T/T in advance', 'L/C at sight', 'Net 60'],
  },
  {
    code: 'US',
    weight: 10,
    currency: 'USD',
    style: 'latin',
    phone: ['1', ['212', '312', '415', '617', '713', '248', '414', '216', '704', '513'], 10],
    tax: '#########',
    postal: '#####',
    tld: 'com',
    cities: [
      'Detroit|MI',
      'Chicago|IL',
      'Houston|TX',
      'Cleveland|OH',
      'Charlotte|NC',
      'Milwaukee|WI',
      'Cincinnati|OH',
      'Boston|MA',
    ],
    streets: ['Main Street', 'Industrial Parkway', 'Commerce Drive', 'Oak Avenue', 'Technology Boulevard'],
    names: SURNAMES_EN,
    words: WORDS_EN,
    legal: ['Inc.', 'LLC', 'Corp.', 'Inc.'],
    mail: MAIL_EN,
    terms: TERMS_EN,
  },
  {
    code: 'JP',
    weight: 8,
    currency: 'JPY',
    style: 'ja',
    phone: ['81', ['3', '6', '52', '45', '90', '80'], 10],
    tax: '#############',
    postal: '###-####',
    tld: 'co.jp',
    cities: [
      'Tokyo|Tokyo|東京',
      'Osaka|Osaka|大阪',
      'Nagoya|Aichi|名古屋',
      'Yokohama|Kanagawa|横浜',
      'Hamamatsu|Shizuoka|浜松',
      'Kobe|Hyogo|神戸',
    ],
    streets: ['Chuo 1-2-3', 'Minato-ku Shiba 4-1', 'Nishiki 2-15', 'Honcho 3-8'],
    names: [
      '山田|Yamada',
      '佐藤|Sato',
      '鈴木|Suzuki',
      '高橋|Takahashi',
      '田中|Tanaka',
      '中村|Nakamura',
      '小林|Kobayashi',
      '加藤|Kato',
      '吉田|Yoshida',
      '松本|Matsumoto',
    ],
    words: ['製作所|Seisakusho', '工業|Kogyo', '精機|Seiki', '電機|Denki', '化学|Kagaku', '金属|Kinzoku', '技研|Giken'],
    legal: ['株式会社', '株式会社', '有限会社'],
    mail: ['info', 'sales', 'eigyo', 'kaigai'],
    terms: ['月末締め翌月末払い', 'Net 30', 'Net 60'],
  },
  {
    code: 'GB',
    weight: 5,
    currency: 'GBP',
    style: 'latin',
    phone: ['44', ['20', '121', '161', '113', '114', '7700'], 10],
    tax: 'GB#########',
    postal: '@@# #@@',
    tld: 'co.uk',
    cities: [
      'Birmingham|West Midlands',
      'Manchester|Greater Manchester',
      'Sheffield|South Yorkshire',
      'Leeds|West Yorkshire',
    ],
    streets: ['High Street', 'Station Road', 'Park Lane', 'Mill Road', 'Trafford Park'],
    names: SURNAMES_EN,
    words: WORDS_EN,
    legal: ['Ltd', 'Ltd', 'PLC'],
    mail: MAIL_EN,
    terms: TERMS_EN,
  },
  {
    code: 'FR',
    weight: 4,
    currency: 'EUR',
    style: 'latin',
    phone: ['33', ['1', '4', '3', '6', '2'], 9],
    tax: 'FR###########',
    postal: '#####',
    tld: 'fr',
    cities: ['Lyon|Auvergne-Rhône-Alpes', 'Toulouse|Occitanie', 'Lille|Hauts-de-France', 'Strasbourg|Grand Est'],
    streets: ['Rue de l’Industrie', 'Avenue Jean Jaurès', 'Rue Pasteur', 'Boulevard Gambetta'],
    names: ['Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Fournier', 'Lambert', 'Bonnet', 'Mercier'],
    words: ['Industrie', 'Mécanique', 'Usinage', 'Composants', 'Équipements'],
    legal: ['SAS', 'SARL', 'SA'],
    mail: ['contact', 'commercial', 'achats', 'info'],
    terms: ['30 jours fin de mois', '45 jours', 'Paiement à réception'],
  },
  {
    code: 'IT',
    weight: 4,
    currency: 'EUR',
    style: 'latin',
    phone: ['39', ['02', '011', '051', '045', '347'], 10],
    tax: 'IT###########',
    postal: '#####',
    tld: 'it',
    cities: ['Milano|Lombardia', 'Torino|Piemonte', 'Bologna|Emilia-Romagna', 'Brescia|Lombardia', 'Verona|Veneto'],
    streets: ['Via Roma', 'Via dell’Industria', 'Via Garibaldi', 'Corso Italia'],
    names: ['Rossi', 'Bianchi', 'Ferrari', 'Esposito', 'Colombo', 'Ricci', 'Marino', 'Greco'],
    words: ['Meccanica', 'Industrie', 'Componenti', 'Automazione', 'Oleodinamica'],
    legal: ['S.r.l.', 'S.r.l.', 'S.p.A.'],
    mail: ['info', 'commerciale', 'acquisti', 'amministrazione'],
    terms: ['60 gg d.f.f.m.', '30 gg d.f.', 'Bonifico anticipato'],
  },
  {
    code: 'NL',
    weight: 3,
    currency: 'EUR',
    style: 'latin',
    phone: ['31', ['20', '10', '40', '6'], 9],
    tax: 'NL#########B01',
    postal: '#### @@',
    tld: 'nl',
    cities: ['Eindhoven|Noord-Brabant', 'Rotterdam|Zuid-Holland', 'Utrecht|Utrecht', 'Enschede|Overijssel'],
    streets: ['Industrieweg', 'Havenstraat', 'Kerkstraat', 'Stationsweg'],
    names: ['de Vries', 'Jansen', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer'],
    words: ['Techniek', 'Metaal', 'Machinebouw', 'Industrie'],
    legal: ['B.V.', 'B.V.', 'N.V.'],
    mail: ['info', 'verkoop', 'inkoop'],
    terms: ['30 dagen netto', '60 dagen netto'],
  },
  {
    code: 'AT',
    weight: 3,
    currency: 'EUR',
    style: 'latin',
    phone: ['43', ['1', '316', '732', '662', '512'], 10],
    tax: 'ATU########',
    postal: '####',
    tld: 'at',
    cities: ['Wien|Wien', 'Graz|Steiermark', 'Linz|Oberösterreich', 'Salzburg|Salzburg', 'Innsbruck|Tirol'],
    streets: ['Hauptplatz', 'Industriezeile', 'Linzer Straße', 'Wiener Straße'],
    names: ['Gruber', 'Huber', 'Bauer', 'Wagner', 'Pichler', 'Steiner', 'Moser', 'Hofer'],
    words: WORDS_DE,
    legal: ['GmbH', 'GmbH', 'AG', 'KG'],
    mail: MAIL_DE,
    terms: TERMS_DE,
    fold: 'de',
  },
  {
    code: 'CH',
    weight: 3,
    currency: 'CHF',
    style: 'latin',
    phone: ['41', ['44', '61', '31', '71', '52'], 9],
    tax: 'CHE#########',
    postal: '####',
    tld: 'ch',
    cities: ['Zürich|ZH', 'Basel|BS', 'Winterthur|ZH', 'St. Gallen|SG', 'Bern|BE'],
    streets: ['Bahnhofstrasse', 'Industriestrasse', 'Seestrasse', 'Dorfstrasse'],
    names: ['Meier', 'Keller', 'Brunner', 'Baumann', 'Frei', 'Gerber', 'Widmer', 'Zürcher'],
    words: WORDS_DE,
    legal: ['AG', 'AG', 'GmbH'],
    mail: MAIL_DE,
    terms: ['30 Tage netto', '60 Tage netto'],
    fold: 'de',
  },
  {
    code: 'PL',
    weight: 3,
    currency: 'PLN',
    style: 'latin',
    phone: ['48', ['22', '12', '61', '71', '601', '502'], 9],
    tax: 'PL##########',
    postal: '##-###',
    tld: 'pl',
    cities: ['Poznań|wielkopolskie', 'Wrocław|dolnośląskie', 'Kraków|małopolskie', 'Łódź|łódzkie', 'Katowice|śląskie'],
    streets: ['ul. Przemysłowa', 'ul. Fabryczna', 'ul. Główna', 'al. Jana Pawła II'],
    names: ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kamiński', 'Lewandowski', 'Zieliński'],
    words: ['Metal', 'Maszyny', 'Technika', 'Automatyka'],
    legal: ['Sp. z o.o.', 'Sp. z o.o.', 'S.A.'],
    mail: ['biuro', 'sprzedaz', 'zakupy', 'info'],
    terms: ['30 dni', '60 dni', 'przedpłata'],
  },
  {
    code: 'ES',
    weight: 2.5,
    currency: 'EUR',
    style: 'latin',
    phone: ['34', ['91', '93', '96', '94', '6'], 9],
    tax: 'ES@#######@',
    postal: '#####',
    tld: 'es',
    cities: ['Barcelona|Cataluña', 'Madrid|Madrid', 'Valencia|Valencia', 'Bilbao|País Vasco', 'Zaragoza|Aragón'],
    streets: ['Calle Mayor', 'Polígono Industrial Can Roqueta', 'Avenida de la Constitución', 'Calle de Alcalá'],
    names: ['García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez'],
    words: ['Industrial', 'Mecanizados', 'Componentes', 'Automatización'],
    legal: ['S.L.', 'S.L.', 'S.A.'],
    mail: ['info', 'ventas', 'compras', 'administracion'],
    terms: ['30 días', '60 días', 'Pago anticipado'],
  },
  {
    code: 'CZ',
    weight: 2,
    currency: 'CZK',
    style: 'latin',
    phone: ['420', ['2', '5', '6', '7'], 9],
    tax: 'CZ########',
    postal: '### ##',
    tld: 'cz',
    cities: ['Praha|Praha', 'Brno|Jihomoravský kraj', 'Plzeň|Plzeňský kraj', 'Ostrava|Moravskoslezský kraj'],
    streets: ['Průmyslová', 'Hlavní', 'Nádražní', 'Tovární'],
    names: ['Novák', 'Svoboda', 'Novotný', 'Dvořák', 'Černý', 'Procházka'],
    words: ['Strojírny', 'Kovo', 'Technik', 'Automatizace'],
    legal: ['s.r.o.', 's.r.o.', 'a.s.'],
    mail: ['info', 'obchod', 'nakup'],
    terms: ['30 dní', '60 dní'],
  },
  {
    code: 'SE',
    weight: 1.5,
    currency: 'SEK',
    style: 'latin',
    phone: ['46', ['8', '31', '40', '70'], 9],
    tax: 'SE##########01',
    postal: '### ##',
    tld: 'se',
    cities: ['Göteborg|Västra Götaland', 'Stockholm|Stockholm', 'Malmö|Skåne', 'Västerås|Västmanland'],
    streets: ['Industrigatan', 'Storgatan', 'Verkstadsgatan', 'Hamngatan'],
    names: ['Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson'],
    words: ['Industri', 'Mekanik', 'Teknik', 'Verkstad'],
    legal: ['AB'],
    mail: ['info', 'order', 'inkop'],
    terms: ['30 dagar netto', '60 dagar netto'],
  },
  {
    code: 'BE',
    weight: 1.5,
    currency: 'EUR',
    style: 'latin',
    phone: ['32', ['2', '3', '9', '4'], 9],
    tax: 'BE0#########',
    postal: '####',
    tld: 'be',
    cities: ['Antwerpen|Antwerpen', 'Gent|Oost-Vlaanderen', 'Liège|Liège', 'Bruxelles|Bruxelles'],
    streets: ['Industrieweg', 'Rue de la Station', 'Kerkstraat', 'Avenue Louise'],
    names: ['Peeters', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Dubois'],
    words: ['Techniek', 'Industrie', 'Metaal', 'Mécanique'],
    legal: ['NV', 'BV', 'SA', 'SRL'],
    mail: ['info', 'sales', 'verkoop'],
    terms: ['30 dagen', '60 jours'],
  },
  {
    code: 'KR',
    weight: 1.5,
    currency: 'KRW',
    style: 'ko',
    phone: ['82', ['2', '31', '51', '10'], 10],
    tax: '##########',
    postal: '#####',
    tld: 'co.kr',
    cities: ['Seoul|Seoul|서울', 'Busan|Busan|부산', 'Changwon|Gyeongsangnam-do|창원', 'Incheon|Incheon|인천'],
    streets: ['Teheran-ro', 'Gongdan-ro', 'Haeun-daero', 'Sandan-ro'],
    names: ['대한|Daehan', '삼화|Samhwa', '동양|Dongyang', '한일|Hanil', '세진|Sejin', '우성|Woosung'],
    words: ['정밀|Precision', '기계|Machinery', '전자|Electronics', '산업|Industrial', '금속|Metal'],
    legal: ['주식회사', '(주)'],
    mail: ['sales', 'info', 'export'],
    terms: ['Net 30', 'T/T 60 days'],
  },
  {
    code: 'TW',
    weight: 1.5,
    currency: 'TWD',
    style: 'zh',
    phone: ['886', ['2', '4', '7', '912', '936'], 9],
    tax: '########',
    postal: '###',
    tld: 'com.tw',
    cities: ['Taichung|Taichung|台中', 'Taipei|Taipei|台北', 'Hsinchu|Hsinchu|新竹', 'Kaohsiung|Kaohsiung|高雄'],
    streets: ['Zhongzheng Road', 'Minsheng Road', 'Industrial 1st Road', 'Wenxin Road'],
    names: CN_BRANDS_MORE,
    words: CN_WORDS,
    legal: ['股份有限公司', '有限公司'],
    mail: ['sales', 'service', 'info'],
    terms: ['T/T 30 days', 'Net 60'],
  },
  {
    code: 'IN',
    weight: 1.5,
    currency: 'INR',
    style: 'latin',
    phone: ['91', ['22', '80', '44', '20', '98'], 10],
    tax: '##@@@@@####@1Z*',
    postal: '######',
    tld: 'in',
    cities: ['Pune|Maharashtra', 'Chennai|Tamil Nadu', 'Bengaluru|Karnataka', 'Ahmedabad|Gujarat'],
    streets: ['MIDC Industrial Area', 'Mount Road', 'Peenya Industrial Area', 'GIDC Estate'],
    names: ['Sharma', 'Patel', 'Gupta', 'Iyer', 'Reddy', 'Mehta', 'Kulkarni', 'Singh'],
    words: WORDS_EN,
    legal: ['Pvt. Ltd.', 'Pvt. Ltd.', 'Ltd.'],
    mail: MAIL_EN,
    terms: ['Net 45', '100% advance', 'Net 60'],
  },
  {
    code: 'BR',
    weight: 1,
    currency: 'BRL',
    style: 'latin',
    phone: ['55', ['11', '19', '41', '47', '51'], 10],
    tax: '##############',
    postal: '#####-###',
    tld: 'com.br',
    cities: ['São Paulo|SP', 'Campinas|SP', 'Curitiba|PR', 'Joinville|SC', 'Porto Alegre|RS'],
    streets: ['Avenida Paulista', 'Rua das Indústrias', 'Rua XV de Novembro', 'Avenida Brasil'],
    names: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Pereira', 'Costa', 'Rodrigues'],
    words: ['Industrial', 'Metalúrgica', 'Componentes', 'Usinagem'],
    legal: ['Ltda.', 'Ltda.', 'S.A.'],
    mail: ['contato', 'vendas', 'compras'],
    terms: ['30/60/90 dias', '30 dias'],
  },
  {
    code: 'MX',
    weight: 1,
    currency: 'MXN',
    style: 'latin',
    phone: ['52', ['55', '81', '33', '442'], 10],
    tax: '@@@######***',
    postal: '#####',
    tld: 'com.mx',
    cities: ['Monterrey|Nuevo León', 'Querétaro|Querétaro', 'Guadalajara|Jalisco', 'Saltillo|Coahuila'],
    streets: ['Avenida Constitución', 'Parque Industrial Norte', 'Calle Hidalgo', 'Boulevard Bernardo Quintana'],
    names: ['Hernández', 'García', 'Martínez', 'López', 'González', 'Ramírez', 'Flores'],
    words: ['Industrial', 'Maquinados', 'Componentes', 'Automatización'],
    legal: ['S.A. de C.V.', 'S. de R.L. de C.V.'],
    mail: ['ventas', 'compras', 'contacto'],
    terms: ['30 días', 'Neto 60'],
  },
  {
    code: 'CA',
    weight: 1,
    currency: 'CAD',
    style: 'latin',
    phone: ['1', ['416', '905', '514', '604', '519'], 10],
    tax: '#########RT0001',
    postal: '@#@ #@#',
    tld: 'ca',
    cities: ['Toronto|ON', 'Mississauga|ON', 'Montréal|QC', 'Windsor|ON', 'Vancouver|BC'],
    streets: ['King Street', 'Industrial Road', 'Rue Sherbrooke', 'Dundas Street'],
    names: [...SURNAMES_EN, 'Tremblay', 'Gagnon', 'Roy'],
    words: WORDS_EN,
    legal: ['Inc.', 'Ltd.', 'Corp.'],
    mail: MAIL_EN,
    terms: TERMS_EN,
  },
  {
    code: 'AU',
    weight: 1,
    currency: 'AUD',
    style: 'latin',
    phone: ['61', ['2', '3', '7', '8', '4'], 9],
    tax: '###########',
    postal: '####',
    tld: 'com.au',
    cities: ['Melbourne|VIC', 'Sydney|NSW', 'Adelaide|SA', 'Brisbane|QLD'],
    streets: ['George Street', 'Industrial Drive', 'Princes Highway', 'Church Street'],
    names: SURNAMES_EN,
    words: WORDS_EN,
    legal: ['Pty Ltd'],
    mail: MAIL_EN,
    terms: ['Net 30', '30 days EOM'],
  },
  {
    code: 'TR',
    weight: 1,
    currency: 'TRY',
    style: 'latin',
    phone: ['90', ['212', '216', '224', '232', '532'], 10],
    tax: '##########',
    postal: '#####',
    tld: 'com.tr',
    cities: ['Bursa|Bursa', 'İstanbul|İstanbul', 'İzmir|İzmir', 'Kocaeli|Kocaeli', 'Ankara|Ankara'],
    streets: ['Organize Sanayi Bölgesi', 'Atatürk Caddesi', 'Cumhuriyet Caddesi'],
    names: ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Yıldız', 'Öztürk'],
    words: ['Makina', 'Metal', 'Sanayi', 'Otomasyon'],
    legal: ['A.Ş.', 'Ltd. Şti.'],
    mail: ['info', 'satis', 'satinalma'],
    terms: ['60 gün', '30 gün'],
  },
  {
    code: 'DK',
    weight: 0.8,
    currency: 'DKK',
    style: 'latin',
    phone: ['45', ['3', '4', '7', '8'], 8],
    tax: 'DK########',
    postal: '####',
    tld: 'dk',
    cities: ['Aarhus|Midtjylland', 'Odense|Syddanmark', 'København|Hovedstaden', 'Aalborg|Nordjylland'],
    streets: ['Industrivej', 'Hovedgaden', 'Jernbanegade', 'Havnevej'],
    names: ['Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen'],
    words: ['Industri', 'Maskinfabrik', 'Teknik', 'Stål'],
    legal: ['A/S', 'ApS'],
    mail: ['info', 'salg', 'indkob'],
    terms: ['Netto 30 dage', 'Løbende måned + 30 dage'],
  },
  {
    code: 'HU',
    weight: 0.7,
    currency: 'HUF',
    style: 'latin',
    phone: ['36', ['1', '96', '46', '30'], 9],
    tax: 'HU########',
    postal: '####',
    tld: 'hu',
    cities: ['Győr|Győr-Moson-Sopron', 'Budapest|Budapest', 'Debrecen|Hajdú-Bihar', 'Kecskemét|Bács-Kiskun'],
    streets: ['Ipari út', 'Fő utca', 'Kossuth Lajos utca', 'Szabadság tér'],
    names: ['Nagy', 'Kovács', 'Tóth', 'Szabó', 'Horváth', 'Varga', 'Kiss'],
    words: ['Gépgyártó', 'Fém', 'Műszaki', 'Ipari'],
    legal: ['Kft.', 'Zrt.'],
    mail: ['info', 'ertekesites', 'beszerzes'],
    terms: ['30 nap', '60 nap'],
  },
  {
    code: 'PT',
    weight: 0.6,
    currency: 'EUR',
    style: 'latin',
    phone: ['351', ['21', '22', '91', '234'], 9],
    tax: 'PT#########',
    postal: '####-###',
    tld: 'pt',
    cities: ['Porto|Porto', 'Lisboa|Lisboa', 'Aveiro|Aveiro', 'Braga|Braga'],
    streets: ['Rua da Indústria', 'Avenida da Liberdade', 'Rua de Santa Catarina', 'Zona Industrial'],
    names: ['Ferreira', 'Santos', 'Pereira', 'Oliveira', 'Costa', 'Martins', 'Sousa'],
    words: ['Metalomecânica', 'Industrial', 'Componentes', 'Moldes'],
    legal: ['Lda.', 'S.A.'],
    mail: ['geral', 'comercial', 'compras'],
    terms: ['30 dias', '60 dias'],
  },
  {
    code: 'SG',
    weight: 0.6,
    currency: 'SGD',
    style: 'latin',
    phone: ['65', ['6', '8', '9'], 8],
    tax: '#########@',
    postal: '######',
    tld: 'com.sg',
    cities: ['Singapore|Singapore'],
    streets: ['Ang Mo Kio Industrial Park', 'Jurong West Street', 'Kaki Bukit Road', 'Woodlands Loop'],
    names: ['Tan', 'Lim', 'Lee', 'Ng', 'Ong', 'Wong', 'Goh', 'Chua'],
    words: WORDS_EN,
    legal: ['Pte. Ltd.'],
    mail: MAIL_EN,
    terms: ['Net 30', 'Net 60'],
  },
  {
    code: 'IE',
    weight: 0.5,
    currency: 'EUR',
    style: 'latin',
    phone: ['353', ['1', '21', '61', '91', '87'], 9],
    tax: 'IE#######@',
    postal: '@## @*@*',
    tld: 'ie',
    cities: ['Cork|Cork', 'Dublin|Dublin', 'Limerick|Limerick', 'Galway|Galway'],
    streets: ['Main Street', 'Business Park', 'Church Road', 'Quay Street'],
    names: ['Murphy', 'Kelly', "O'Sullivan", 'Walsh', 'Byrne', 'Ryan', "O'Brien"],
    words: WORDS_EN,
    legal: ['Ltd', 'DAC'],
    mail: MAIL_EN,
    terms: ['Net 30', 'Net 60'],
  },
  {
    code: 'FI',
    weight: 0.5,
    currency: 'EUR',
    style: 'latin',
    phone: ['358', ['9', '3', '2', '40', '50'], 9],
    tax: 'FI########',
    postal: '#####',
    tld: 'fi',
    cities: ['Tampere|Pirkanmaa', 'Helsinki|Uusimaa', 'Oulu|Pohjois-Pohjanmaa', 'Turku|Varsinais-Suomi'],
    streets: ['Teollisuuskatu', 'Hämeenkatu', 'Satamakatu', 'Mannerheimintie'],
    names: ['Korhonen', 'Virtanen', 'Mäkinen', 'Nieminen', 'Mäkelä', 'Hämäläinen'],
    words: ['Konepaja', 'Teollisuus', 'Metalli', 'Tekniikka'],
    legal: ['Oy', 'Oyj'],
    mail: ['info', 'myynti', 'hankinta'],
    terms: ['14 pv netto', '30 pv netto'],
  },
  {
    code: 'NO',
    weight: 0.5,
    currency: 'NOK',
    style: 'latin',
    phone: ['47', ['2', '5', '7', '9', '4'], 8],
    tax: '#########MVA',
    postal: '####',
    tld: 'no',
    cities: ['Oslo|Oslo', 'Bergen|Vestland', 'Stavanger|Rogaland', 'Trondheim|Trøndelag'],
    streets: ['Industriveien', 'Storgata', 'Kongens gate', 'Havnegata'],
    names: ['Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Berg'],
    words: ['Mekaniske', 'Industri', 'Teknikk', 'Stål'],
    legal: ['AS', 'ASA'],
    mail: ['post', 'salg', 'innkjop'],
    terms: ['30 dager netto', '14 dager netto'],
  },
];

const COUNTRY_CUMULATIVE = cumulativeWeights(COUNTRIES.map((c) => c.weight));

/** A business partner's own columns, with the stored (already normalised) values the hub would hold. */
export interface Party {
  name: string;
  legalName: string | null;
  email: string | null;
  phone: string | null;
  website: string | null;
  taxId: string | null;
  street: string | null;
  postalCode: string | null;
  city: string | null;
  region: string | null;
  country: string;
  currency: string;
  paymentTerms: string | null;
}

export const COUNTRY_CODES = COUNTRIES.map((c) => c.code);

const GERMAN_FOLDS: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', Ä: 'ae', Ö: 'oe', Ü: 'ue' };

/** A plausible domain label from a company name: ASCII, lower case, words joined by '-'. */
function slug(text: string, fold?: 'de'): string {
  const folded = fold === 'de' ? text.replace(/[äöüßÄÖÜ]/g, (c) => GERMAN_FOLDS[c]!) : text;
  return folded
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ı/g, 'i')
    .replace(/ł/g, 'l')
    .replace(/ø/g, 'o')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}

/** Where the house number goes before the street name. */
const NUMBER_FIRST = new Set(['US', 'GB', 'CA', 'AU', 'IE', 'IN', 'SG', 'FR', 'CN', 'KR', 'TW', 'BE']);

const LONG_FORMS: Record<string, string> = {
  GmbH: 'Gesellschaft mit beschränkter Haftung',
  AG: 'Aktiengesellschaft',
  'Inc.': 'Incorporated',
  'Corp.': 'Corporation',
  Ltd: 'Limited',
  'Ltd.': 'Limited',
  'S.p.A.': 'Società per Azioni',
};

const split = (pair: string) => pair.split('|') as [string, string, string?];

/**
 * An E.164 number of the country that the hub's own phone check accepts as it is, so the data could have come
 * through the API: random numbers of the right shape until libphonenumber calls one valid, none after 25 tries.
 */
function phoneIn(rng: Rng, c: Country): string | null {
  const [cc, prefixes, length] = c.phone;
  for (let attempt = 0; attempt < 25; attempt++) {
    const prefix = rng.pick(prefixes);
    const rest = Math.max(length - prefix.length, 4) - rng.int(0, 1);
    const candidate = `+${cc}${prefix}${String(rng.int(2, 9))}${rng.digits(rest - 1)}`;
    try {
      if (normalisePhone(candidate, 'phone', c.code, 'DE') === candidate) return candidate;
    } catch {
      // Not valid there; draw again.
    }
  }
  return null;
}

/** One business partner in a country drawn from the skewed distribution. */
export function makeParty(rng: Rng): Party {
  const c = rng.weighted(COUNTRIES, COUNTRY_CUMULATIVE);
  const [city, region, nativeCity] = split(rng.pick(c.cities));
  let name: string;
  let legalName: string | null = null;
  let domainLabel: string;
  if (c.style === 'latin') {
    const surname = rng.pick(c.names);
    const word = rng.pick(c.words);
    const legal = rng.pick(c.legal);
    const shape = rng.next();
    if (shape < 0.6) name = `${surname} ${word} ${legal}`;
    else if (shape < 0.75) name = `${surname} & ${rng.pick(c.names)} ${legal}`;
    else if (shape < 0.87) name = `${surname} ${legal}`;
    else name = `${word} ${city} ${legal}`;
    domainLabel = slug(shape < 0.87 ? `${surname} ${shape < 0.6 ? word : ''}` : `${word} ${city}`, c.fold);
    const longForm = LONG_FORMS[legal];
    if (longForm && rng.chance(0.3)) legalName = `${name.slice(0, -legal.length)}${longForm}`;
  } else {
    const [brand, brandLatin] = split(rng.pick(c.names));
    const [word, wordLatin] = split(rng.pick(c.words));
    const legal = rng.pick(c.legal);
    if (c.style === 'zh') {
      name = `${nativeCity}${brand}${word}${legal}`;
      legalName = `${city} ${brandLatin} ${wordLatin} Co., Ltd.`;
      domainLabel = slug(`${brandLatin} ${city}`);
    } else if (c.style === 'ja') {
      name = legal === '株式会社' && rng.chance(0.5) ? `${legal}${brand}${word}` : `${brand}${word}${legal}`;
      legalName = `${brandLatin} ${wordLatin} Co., Ltd.`;
      domainLabel = slug(`${brandLatin} ${wordLatin}`);
    } else {
      name = legal === '(주)' ? `${legal}${brand}${word}` : `${brand}${word} ${legal}`;
      legalName = `${brandLatin} ${wordLatin} Co., Ltd.`;
      domainLabel = slug(brandLatin);
    }
  }
  const domain = `${domainLabel || 'company'}.${c.tld}`;
  const phone = rng.chance(0.95) ? phoneIn(rng, c) : null;
  const houseNumber = String(rng.int(1, 250));
  const street = rng.pick(c.streets);
  return {
    name,
    legalName,
    email: rng.chance(0.92) ? `${rng.pick(c.mail)}@${domain}` : null,
    phone,
    // As the hub stores it: normaliseUrl writes the URL back with its path, here the root.
    website: rng.chance(0.7) ? `https://www.${domain}/` : null,
    taxId: rng.chance(0.9) ? rng.pattern(c.tax) : null,
    street: /\d/.test(street)
      ? street
      : NUMBER_FIRST.has(c.code)
        ? `${houseNumber} ${street}`
        : `${street} ${houseNumber}`,
    postalCode: c.code === 'SG' || rng.chance(0.98) ? rng.pattern(c.postal) : null,
    city,
    region: rng.chance(0.6) ? region! : null,
    country: c.code,
    currency: c.currency,
    paymentTerms: rng.chance(0.8) ? rng.pick(c.terms) : null,
  };
}
