// The OCR quality set: the shared real fixtures (fixtures/ocr) plus images generated at test time with known
// text — screenshots and documents in several CJK and Latin fonts, signs composited in perspective into real
// photos with blur and JPEG noise, EXIF-rotated and upside-down pages, and text-free negatives.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { homography } from '../geometry.js';
import type { Point } from '../ocr-engine.js';
import { seededRng, type Rng } from '../text-corpus.js';
import { REPO_ROOT } from '../../testing/fixtures.js';

export type OcrKind = 'screenshot' | 'document' | 'scene' | 'rotated' | 'upside-down' | 'negative';

export interface OcrTestImage {
  name: string;
  kind: OcrKind;
  file: string;
  /** Ground truth in reading order; empty for negatives. */
  lines: string[];
  /** False when only the salient text is listed (score by recall, not by full comparison). */
  complete: boolean;
  /** Text queries that must find this image in their top 3. */
  queries: string[];
  source: 'fixture' | 'generated';
}

export const OCR_FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'ocr');
export const PHOTO_FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'images', 'photos');

/** Photos of the shared image fixtures that show no text at all (checked by eye): negatives and backgrounds. */
export const TEXT_FREE_PHOTOS = [
  'black_cat_at_night.jpg', 'cake_with_fruit.jpg', 'cat_chelsea.png', 'coffee_cup.png', 'fig_on_red_plate.jpg',
  'flower_dahlia.jpg', 'horses_field.jpg', 'kodak12_beach_couple.png', 'kodak23_parrots.png',
  'lighthouse_red_white.jpg', 'moraine_lake_mountains.jpg', 'sunset_hilltop.jpg', '鳥鳥.png',
];

/** Photos of the shared image fixtures that are mostly text (no ground truth): positives for the gate. */
export const TEXT_PHOTOS = ['phototest_document.tif', 'scanned_page_text.png', 'spreadsheet_screenshot.tif'];

/** Distinctive tokens per fixture (the README's, plus one for each image it does not name). */
const FIXTURE_QUERIES: Record<string, string[]> = {
  'zh_train_ticket_photo.jpeg': ['南昌站', '限乘当日当次车'],
  'zh_heart_sutra_traditional.jpg': ['般若波羅蜜多', '观自在菩萨'],
  'zh_paragraph_screenshot.png': ['网络支付', '信用卡账户'],
  'zh_chat_bubble_screenshot.png': ['传播方式', '消费者'],
  'mixed_hello_world_line.jpg': ['你好世界'],
  'zh_photo_with_caption.jpg': ['时光不老'],
  'zh_shop_banner.jpg': ['桑蚕丝', '开门红提前购'],
  'zh_bank_storefront.jpg': ['农业银行', 'Agricultural Bank'],
  'zh_product_info_graphic.jpg': ['纯臻营养护发素', '椰油酰胺'],
  'zh_storefront_sign_crop.png': ['魅派'],
  'en_receipt_photo.jpg': ['PHO CAPITAL', 'Montpelier'],
  'en_blue_plaque.jpg': ['Octavia Hill', 'Social Reformer'],
  'en_pub_storefront.jpg': ['THE POND', 'English Lunches'],
  'en_shop_sign_crop.png': ['TOAST'],
  'rotated_exif8_landscape.jpg': ['bottom'],
};

/** The shared OCR fixtures with their manifest ground truth. */
export async function readOcrFixtures(dir = OCR_FIXTURES): Promise<OcrTestImage[]> {
  const text = await readFile(path.join(dir, 'MANIFEST.tsv'), 'utf8');
  const [header, ...rows] = text.split('\n').filter((l) => l.trim());
  const cols = header.split('\t');
  const col = (r: string[], name: string) => r[cols.indexOf(name)] ?? '';
  const readme = await readFile(path.join(dir, 'README.md'), 'utf8');
  return rows.map((row) => {
    const r = row.split('\t');
    const file = col(r, 'path');
    const gt = col(r, 'text').trim();
    // The README's table marks partial ground truth as "salient only".
    const readmeRow = readme.split('\n').find((l) => l.includes(`\`${file}\``)) ?? '';
    return {
      name: file,
      kind: col(r, 'kind') as OcrKind,
      file: path.join(dir, file),
      lines: gt ? gt.split(' | ') : [],
      complete: !/salient only/i.test(readmeRow),
      queries: FIXTURE_QUERIES[file] ?? [],
      source: 'fixture',
    };
  });
}

// ---- generated images -------------------------------------------------------------------------------------

const ZH_SENTENCES = [
  '今天下午三点在会议室开会', '请大家准时参加项目评审', '本周五之前提交季度报告', '明天早上八点出发去机场',
  '记得带上身份证和护照', '晚饭想吃火锅还是烧烤', '周末一起去公园散步吧', '这家咖啡店的拿铁很好喝',
  '快递已经放在门口的柜子里', '您的订单已发货请注意查收', '账户余额不足请及时充值', '验证码五分钟内有效',
  '系统将于今晚十点停机维护', '图书馆开放时间为早九点至晚九点', '本店所有商品支持七天无理由退货', '会员积分可以兑换精美礼品',
  '欢迎关注我们的公众号', '点击下方链接查看详情', '天气预报说明天有大雨', '出门记得带伞注意安全',
  '孩子的家长会改到下周三', '这次考试的平均分是八十五分', '新的办公室在大楼的十二层', '请勿在车厢内饮食',
  '下一站是人民广场', '列车即将到达终点站', '电影票已经买好了第六排', '生日快乐祝你天天开心',
  '感谢您一直以来的支持', '我们的航班延误了两个小时', '酒店的早餐从六点半开始', '房间的无线网络密码在桌上',
  '这份合同需要双方签字盖章', '产品说明书请仔细阅读', '使用前请充满电', '注意保持室内空气流通',
  '垃圾分类从我做起', '节约用水人人有责', '小区停车位需要提前预约', '医院挂号可以在手机上完成',
  '博物馆周一闭馆', '学校运动会将在下月举行', '新鲜蔬菜每天早上到货', '请把手机调成静音模式',
  '春节假期从二月十日开始', '妈妈让我记得买牛奶', '周日上午打扫房间', '这本小说的结局很感人', '公交车改道请绕行',
  '体检报告已经出来了', '水电费请在月底前缴纳', '年终总结大会在礼堂举行', '新年第一天去爬山看日出',
  '外卖小哥已经在楼下了', '请扫描二维码填写问卷', '商场三楼有儿童游乐区', '会员日全场八折优惠', '窗外的桂花开得正好',
  '足球比赛改到下午四点', '老师布置了一篇作文', '奶奶的生日宴定在周六中午', '楼下的面包店新开了分店', '这条路晚上很安静',
  '请在安检口出示登机牌', '游泳馆夏季延长开放时间', '我们下个月搬到新家', '地铁末班车是十一点半', '手机屏幕摔碎了要换',
  '周三的英语课取消了', '社区组织了义务献血', '冰箱里还有半个西瓜', '明天的气温将降到五度', '志愿者请到东门集合',
  '这家书店的咖啡很便宜', '停电期间请注意用火安全', '快递柜取件码已发送',
];

const EN_SENTENCES = [
  'Meeting moved to Thursday afternoon', 'Please review the attached proposal', 'Your package has been delivered',
  'Flight departs from gate twelve', 'Remember to bring your passport', 'Dinner reservation confirmed for seven',
  'The library closes at nine tonight', 'Quarterly report is due on Friday', 'Battery low please connect charger',
  'Software update available now', 'Tap here to view the full article', 'Weekend hiking trip to the mountains',
  'Fresh strawberries on sale today', 'Thank you for shopping with us', 'All items are final sale',
  'Parking is available behind the building', 'Do not leave bags unattended', 'Next stop is Central Station',
  'Welcome to the annual science fair', 'Invoice number must be included', 'Customer support is open daily',
  'Please keep the door closed', 'Temperature will drop tomorrow night', 'Happy anniversary to my dearest friend',
  'Lecture notes for chapter seven', 'Homework is due next Monday', 'The museum offers free guided tours',
  'Breakfast is served until ten', 'Emergency exit on the left side', 'Children must be accompanied by adults',
  'Submit your application before March', 'Our bakery uses organic flour', 'Vote for the best photo of the year',
  'Concert tickets sold out in minutes', 'Please silence your mobile phones', 'Bicycle lanes are reserved for cyclists',
  'Lost and found is at the front desk', 'Wifi password is printed on the receipt', 'Swimming pool opens at six',
  'Return books to the blue box', 'Order online and pick up in store', 'Watch your step when boarding',
  'Gardening workshop every Saturday', 'Rooftop terrace closes at midnight', 'Fresh pasta made every morning',
  'Keep calm and carry on reading', 'Quiet hours begin at ten', 'Free refills on all hot drinks',
  'Elevator maintenance this weekend', 'Tickets are valid for one journey', 'Please wash your hands before eating',
  'Volunteers meet at the north entrance', 'Printer on the third floor is broken', 'Seasonal menu starts next week',
];

const ZH_TRADITIONAL = [
  '歡迎光臨本店', '營業時間上午十點至晚上九點', '請勿吸煙', '會員專屬優惠', '飲料買一送一', '謝謝您的惠顧',
  '新鮮水果每日到貨', '臺北車站東側出口', '圖書館週末開放', '請排隊購買車票',
];

const ZH_SIGNS = [
  '平安大药房', '老王牛肉面', '新华书店', '幸福超市', '阳光水果店', '鸿运茶餐厅', '光明眼镜', '天天便利店',
  '金玉珠宝', '东方宾馆', '红星电器', '美味小吃城',
];
const EN_SIGNS = [
  'COFFEE HOUSE', 'GOLDEN DRAGON', 'City Bakery', 'FRESH MARKET', 'Blue Harbor Inn', 'PHARMACY', 'BOOKSTORE',
  'Sunset Diner', 'NO PARKING', 'Railway Museum', 'FLOWER SHOP', 'Harbor View Hotel',
];

/** Hands out pool entries without repeats, so each image's text (and so its queries) is its own. */
class Pool {
  private next = new Map<readonly string[], number>();
  constructor(private readonly rng: Rng) {}
  take(pool: readonly string[], n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const at = this.next.get(pool) ?? Math.floor(this.rng() * pool.length);
      out.push(pool[at % pool.length]);
      this.next.set(pool, at + 1);
    }
    return out;
  }
}

interface Raw {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface TextRun {
  text: string;
  x: number;
  y: number;
  size: number;
  family: string;
  fill: string;
  weight?: 'normal' | 'bold';
  anchor?: 'start' | 'middle';
}

function svgDoc(width: number, height: number, body: string, background: string): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#ffe3ec"/>` +
      `<stop offset="1" stop-color="#fff6d6"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="${background}"/>${body}</svg>`,
  );
}

function runs(rs: TextRun[]): string {
  return rs
    .map((r) => `<text x="${r.x}" y="${r.y}" font-family="${r.family}" font-size="${r.size}" font-weight="${r.weight ?? 'normal'}" text-anchor="${r.anchor ?? 'start'}" fill="${r.fill}">${esc(r.text)}</text>`)
    .join('');
}

async function render(svg: Buffer, alpha = false): Promise<Raw> {
  const img = sharp(svg);
  const { data, info } = await (alpha ? img.ensureAlpha() : img.removeAlpha()).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as 3 | 4 };
}

/** Width of a line in px, generously: CJK one em, capitals and digits 0.75 em, other Latin 0.6 em. */
function textWidth(s: string, size: number): number {
  let w = 0;
  for (const ch of s) w += size * (ch.charCodeAt(0) > 0x2e80 ? 1 : /[A-Z0-9]/.test(ch) ? 0.75 : ch === ' ' ? 0.35 : 0.6);
  return w;
}

/** Draws `fg` (RGBA) into `bg` (RGB) so that fg's corners land on `quad`, bilinear, alpha-blended. */
function warpOnto(bg: Raw, fg: Raw, quad: Point[]): void {
  const src: Point[] = [[0, 0], [fg.width, 0], [fg.width, fg.height], [0, fg.height]];
  const m = homography(quad, src);
  if (!m) throw new Error('degenerate quad');
  const xs = quad.map((p) => p[0]), ys = quad.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs))), x1 = Math.min(bg.width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys))), y1 = Math.min(bg.height - 1, Math.ceil(Math.max(...ys)));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = m[6] * x + m[7] * y + m[8];
      const sx = (m[0] * x + m[1] * y + m[2]) / d - 0.5;
      const sy = (m[3] * x + m[4] * y + m[5]) / d - 0.5;
      if (sx < -0.5 || sy < -0.5 || sx > fg.width - 0.5 || sy > fg.height - 0.5) continue;
      const ix = Math.max(0, Math.min(fg.width - 2, Math.floor(sx))), iy = Math.max(0, Math.min(fg.height - 2, Math.floor(sy)));
      const fx = Math.min(1, Math.max(0, sx - ix)), fy = Math.min(1, Math.max(0, sy - iy));
      const px = (cx: number, cy: number, k: number) => fg.data[(cy * fg.width + cx) * 4 + k];
      const sample = (k: number) =>
        (px(ix, iy, k) * (1 - fx) + px(ix + 1, iy, k) * fx) * (1 - fy) + (px(ix, iy + 1, k) * (1 - fx) + px(ix + 1, iy + 1, k) * fx) * fy;
      const a = sample(3) / 255;
      if (a <= 0) continue;
      const o = (y * bg.width + x) * 3;
      for (let k = 0; k < 3; k++) bg.data[o + k] = Math.round(bg.data[o + k] * (1 - a) + sample(k) * a);
    }
  }
}

async function background(name: string, width: number, height: number): Promise<Raw> {
  const { data, info } = await sharp(path.join(PHOTO_FIXTURES, name))
    .rotate()
    .resize(width, height, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

function addNoise(img: Raw, rng: Rng, amount: number): void {
  for (let i = 0; i < img.data.length; i++) {
    // Sum of uniforms: a cheap, roughly Gaussian sensor noise.
    const n = (rng() + rng() + rng() - 1.5) * amount;
    img.data[i] = Math.max(0, Math.min(255, Math.round(img.data[i] + n)));
  }
}

/** A random convex quad around a centred box of w×h: perspective, a little rotation. */
function jitterQuad(rng: Rng, cx: number, cy: number, w: number, h: number, jitter: number, maxAngle: number): Point[] {
  const a = (rng() * 2 - 1) * maxAngle;
  const c = Math.cos(a), s = Math.sin(a);
  const base: Point[] = [[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]];
  return base.map(([x, y]) => {
    const jx = x + (rng() * 2 - 1) * jitter * w, jy = y + (rng() * 2 - 1) * jitter * h;
    return [cx + jx * c - jy * s, cy + jx * s + jy * c];
  });
}

async function save(img: Raw, file: string, opts: { quality?: number; blur?: number; png?: boolean; orientation?: number; rotate?: number } = {}): Promise<void> {
  let p = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
  if (opts.blur) p = p.blur(opts.blur);
  if (opts.rotate) p = sharp(await p.rotate(opts.rotate).png().toBuffer());
  // withMetadata, not withExif: sharp writes the Orientation tag only from its own orientation field.
  if (opts.orientation) p = p.withMetadata({ orientation: opts.orientation });
  await (opts.png ? p.png() : p.jpeg({ quality: opts.quality ?? 90 })).toFile(file);
}

const FONTS_ZH = ['Noto Sans CJK SC', 'Noto Serif CJK SC'];
const FONTS_EN = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'Noto Sans CJK SC'];

interface Page {
  raw: Raw;
  lines: string[];
}

/** A page of text lines in one font (screenshots, documents): returns the pixels and the lines. */
async function textPage(
  lines: string[],
  o: { width: number; size: number; family: string; fill: string; background: string; margin?: number; weight?: 'bold'; gap?: number },
): Promise<Page> {
  const margin = o.margin ?? Math.round(o.size * 1.5);
  const step = Math.round(o.size * (o.gap ?? 1.7));
  const height = margin * 2 + step * lines.length;
  const body = runs(lines.map((text, i) => ({ text, x: margin, y: margin + step * i + o.size, size: o.size, family: o.family, fill: o.fill, weight: o.weight })));
  return { raw: await render(svgDoc(o.width, height, body, o.background)), lines };
}

/** Chat bubbles on a phone screen: each message one line in its own bubble. */
async function chatScreen(lines: string[], family: string): Promise<Page> {
  const width = 1080, size = 40, pad = 28;
  let y = 200;
  let body = `<rect x="0" y="0" width="${width}" height="150" fill="#ededed"/>`;
  const rs: TextRun[] = [];
  lines.forEach((text, i) => {
    const w = Math.min(width - 200, textWidth(text, size) + pad * 2);
    const right = i % 2 === 1;
    const x = right ? width - 60 - w : 60;
    body += `<rect x="${x}" y="${y}" width="${w}" height="${size + pad * 2}" rx="18" fill="${right ? '#95ec69' : '#ffffff'}"/>`;
    rs.push({ text, x: x + pad, y: y + pad + size * 0.85, size, family, fill: '#111' });
    y += size + pad * 2 + 50;
  });
  const height = Math.max(1920, y + 200);
  return { raw: await render(svgDoc(width, height, body + runs(rs), '#f5f5f5')), lines };
}

/** A colourful banner: big title, smaller lines. */
async function banner(title: string, sub: string[]): Promise<Page> {
  const width = 900, height = 500;
  const rs: TextRun[] = [
    { text: title, x: 60, y: 150, size: 72, family: 'Noto Sans CJK SC', fill: '#d0104c', weight: 'bold' },
    ...sub.map((text, i) => ({ text, x: 60, y: 260 + i * 70, size: 40, family: 'Noto Sans CJK SC', fill: i % 2 ? '#1b4f9c' : '#333' })),
  ];
  return { raw: await render(svgDoc(width, height, runs(rs), 'url(#g)')), lines: [title, ...sub] };
}

/** A rectangular sign (board colour, one or two lines of text), RGBA, for compositing into a photo. */
async function sign(lines: string[], rng: Rng): Promise<Raw> {
  const boards = [['#b71c1c', '#fff8e1'], ['#0d47a1', '#ffffff'], ['#1b5e20', '#fffde7'], ['#fafafa', '#212121'], ['#ffd600', '#1a1a1a']];
  const [board, ink] = boards[Math.floor(rng() * boards.length)];
  const sizes = [96, 56];
  const family = rng() < 0.5 ? 'Noto Sans CJK SC' : 'Noto Serif CJK SC';
  const widths = lines.map((l, i) => textWidth(l, sizes[i] ?? 48));
  const width = Math.round(Math.max(...widths) + 120);
  const height = Math.round(60 + lines.reduce((s, _, i) => s + (sizes[i] ?? 48) * 1.35, 0) + 20);
  let y = 40;
  const rs: TextRun[] = lines.map((text, i) => {
    const size = sizes[i] ?? 48;
    y += size * 1.05;
    const r = { text, x: Math.round(width / 2), y: Math.round(y), size, family, fill: ink, weight: 'bold' as const, anchor: 'middle' as const };
    y += size * 0.3;
    return r;
  });
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect x="4" y="4" width="${width - 8}" height="${height - 8}" rx="14" fill="${board}" stroke="#444" stroke-width="6"/>${runs(rs)}</svg>`,
  );
  return render(svg, true);
}

function toRgba(img: Raw): Raw {
  if (img.channels === 4) return img;
  const out = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0, n = img.width * img.height; i < n; i++) {
    out[i * 4] = img.data[i * 3];
    out[i * 4 + 1] = img.data[i * 3 + 1];
    out[i * 4 + 2] = img.data[i * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return { data: out, width: img.width, height: img.height, channels: 4 };
}

/** A page photographed on a table: perspective, shading from the scene, blur, noise, JPEG. */
async function photographPage(page: Raw, bgName: string, rng: Rng, out: { width: number; height: number }): Promise<Raw> {
  const bg = await background(bgName, out.width, out.height);
  const scale = Math.min((out.width * 0.86) / page.width, (out.height * 0.86) / page.height);
  const quad = jitterQuad(rng, out.width / 2, out.height / 2, page.width * scale, page.height * scale, 0.04, 0.06);
  warpOnto(bg, toRgba(page), quad);
  addNoise(bg, rng, 10);
  return bg;
}

/** One word or a few characters of a line that no other generated or fixture text contains. */
function queriesFor(lines: string[], taken: (q: string) => boolean): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const cands: string[] = [];
    if (/[\u4e00-\u9fff]/.test(line)) {
      const cs = [...line.replace(/\s+/g, '')];
      for (let i = 0; i + 4 <= cs.length; i += 3) cands.push(cs.slice(i, i + 4).join(''));
      if (cs.length < 4) cands.push(cs.join(''));
    } else {
      const words = line.split(/\s+/).filter((w) => w.length >= 5);
      cands.push(...words);
      const all = line.split(/\s+/);
      for (let i = 0; i + 1 < all.length; i++) cands.push(`${all[i]} ${all[i + 1]}`);
    }
    const q = cands.find((c) => !taken(c));
    if (q) out.push(q);
    if (out.length >= 2) break;
  }
  return out;
}

/**
 * Writes the generated set into `dir` and returns its images (ground truth and queries included).
 * Deterministic for a seed; about 30 images, a few seconds to render.
 */
export async function writeGeneratedOcrSet(dir: string, seed = 7): Promise<OcrTestImage[]> {
  await mkdir(dir, { recursive: true });
  const rng = seededRng(seed);
  const pool = new Pool(rng);
  const items: { name: string; kind: OcrKind; lines: string[]; write: (file: string) => Promise<void>; ext: string }[] = [];
  const add = (name: string, kind: OcrKind, page: Page | { raw: Raw; lines: string[] }, ext: string, write: (raw: Raw, file: string) => Promise<void>) =>
    items.push({ name, kind, lines: page.lines, ext, write: (file) => write(page.raw, file) });
  const bgs = TEXT_FREE_PHOTOS;
  const bgAt = (i: number) => bgs[i % bgs.length];

  // Screenshots.
  add('gen_chat_light', 'screenshot', await chatScreen(pool.take(ZH_SENTENCES, 5), 'Noto Sans CJK SC'), 'png', (r, f) => save(r, f, { png: true }));
  add('gen_article_dark', 'screenshot', await textPage(pool.take(ZH_SENTENCES, 6), { width: 1080, size: 38, family: 'Noto Serif CJK SC', fill: '#e6e6e6', background: '#1e1f22', gap: 2.2 }), 'png', (r, f) => save(r, f, { png: true }));
  add('gen_settings_desktop', 'screenshot', await textPage(pool.take(EN_SENTENCES, 6), { width: 1280, size: 22, family: 'DejaVu Sans', fill: '#202124', background: '#ffffff' }), 'png', (r, f) => save(r, f, { png: true }));
  add('gen_email_desktop', 'screenshot', await textPage([...pool.take(EN_SENTENCES, 4), ...pool.take(ZH_SENTENCES, 3)], { width: 1440, size: 20, family: 'DejaVu Serif', fill: '#333333', background: '#fbfbfb' }), 'jpg', (r, f) => save(r, f, { quality: 85 }));
  add('gen_notifications', 'screenshot', await textPage(pool.take(ZH_SENTENCES, 6).map((s, i) => (i % 2 ? s : `${s} ${pool.take(EN_SIGNS, 1)[0]}`)), { width: 1080, size: 36, family: 'Noto Sans CJK SC', fill: '#111111', background: '#f2f2f7', gap: 2.6 }), 'jpg', (r, f) => save(r, f, { quality: 80 }));
  add('gen_traditional', 'screenshot', await textPage(pool.take(ZH_TRADITIONAL, 5), { width: 1080, size: 44, family: 'Noto Sans CJK TC', fill: '#222222', background: '#fffaf0', gap: 2.0 }), 'png', (r, f) => save(r, f, { png: true }));
  add('gen_terminal_small', 'screenshot', await textPage(pool.take(EN_SENTENCES, 4), { width: 640, size: 18, family: 'DejaVu Sans Mono', fill: '#9be59b', background: '#101010', weight: 'bold' }), 'png', (r, f) => save(r, f, { png: true }));
  add('gen_banner', 'screenshot', await banner(pool.take(ZH_SIGNS, 1)[0], [...pool.take(ZH_SENTENCES, 2), pool.take(EN_SENTENCES, 1)[0]]), 'jpg', (r, f) => save(r, f, { quality: 80 }));

  // Large screens and photos, where small text only survives detection at a sufficient resolution.
  add('gen_phone_tall', 'screenshot', await textPage([...pool.take(ZH_SENTENCES, 5), ...pool.take(EN_SENTENCES, 2)], { width: 1170, size: 34, family: 'Noto Sans CJK SC', fill: '#1c1c1e', background: '#ffffff', margin: 60, gap: 9.5 }), 'png', (r, f) => save(r, f, { png: true }));
  add('gen_desktop_hidpi', 'screenshot', await textPage([...pool.take(EN_SENTENCES, 4), ...pool.take(ZH_SENTENCES, 3)], { width: 2560, size: 26, family: 'DejaVu Sans', fill: '#24292f', background: '#ffffff', margin: 90, gap: 6.8 }), 'png', (r, f) => save(r, f, { png: true }));
  {
    const page = await textPage(pool.take(ZH_SENTENCES, 4), { width: 2400, size: 40, family: 'Noto Serif CJK SC', fill: '#1a1a1a', background: '#fdfbf5', margin: 160, gap: 5 });
    const raw = await photographPage(page.raw, bgAt(5), rng, { width: 3200, height: 2400 });
    add('gen_document_hires', 'document', { raw, lines: page.lines }, 'jpg', (r, f) => save(r, f, { quality: 75, blur: 0.8 }));
  }

  // Documents photographed on a table.
  for (let i = 0; i < 6; i++) {
    const zh = i % 2 === 0;
    const lines = zh ? pool.take(ZH_SENTENCES, 5) : pool.take(EN_SENTENCES, 5);
    const page = await textPage(lines, {
      width: 1000, size: zh ? 30 : 28, family: zh ? FONTS_ZH[i % 2 === 0 ? (i / 2) % 2 : 0] : FONTS_EN[i % FONTS_EN.length],
      fill: '#1a1a1a', background: i % 3 === 0 ? '#fbf7ec' : '#ffffff', margin: 70, gap: 1.8,
    });
    const raw = await photographPage(page.raw, bgAt(i + 3), rng, { width: 1600, height: 1200 });
    add(`gen_document_${i}`, 'document', { raw, lines }, 'jpg', (r, f) => save(r, f, { quality: 70, blur: 0.7 }));
  }

  // Signs composited into photos.
  for (let i = 0; i < 8; i++) {
    const bg = await background(bgAt(i), 1280, 960);
    const lines = i % 3 === 2 ? pool.take(EN_SIGNS, 1) : i % 3 === 0 ? [pool.take(ZH_SIGNS, 1)[0], pool.take(EN_SIGNS, 1)[0]] : pool.take(ZH_SIGNS, 1);
    const s = await sign(lines, rng);
    const w = 1280 * (0.45 + rng() * 0.25);
    const h = (w * s.height) / s.width;
    const quad = jitterQuad(rng, 640 + (rng() - 0.5) * 200, 380 + (rng() - 0.5) * 250, w, h, 0.06, 0.12);
    warpOnto(bg, s, quad);
    addNoise(bg, rng, 12);
    add(`gen_scene_${i}`, 'scene', { raw: bg, lines }, 'jpg', (r, f) => save(r, f, { quality: 55 + Math.round(rng() * 20), blur: 0.6 + rng() * 0.6 }));
  }

  // Pages stored sideways or upside down: EXIF orientation 6, 8, 3 (readers must apply it), and pixels turned
  // by 180° with no tag (the line classifier must turn them back).
  const turned: [string, number][] = [['6', -90], ['8', 90], ['3', 180], ['6b', -90]];
  for (const [tag, angle] of turned) {
    const zh = tag !== '8';
    const page = await textPage(zh ? pool.take(ZH_SENTENCES, 4) : pool.take(EN_SENTENCES, 4), { width: 1000, size: 34, family: zh ? 'Noto Sans CJK SC' : 'DejaVu Sans', fill: '#222', background: '#ffffff' });
    add(`gen_exif_${tag}`, 'rotated', page, 'jpg', (r, f) => save(r, f, { quality: 88, rotate: angle, orientation: Number(tag[0]) }));
  }
  for (let i = 0; i < 3; i++) {
    const zh = i !== 1;
    const page = await textPage(zh ? pool.take(ZH_SENTENCES, 4) : pool.take(EN_SENTENCES, 4), { width: 1000, size: 32, family: zh ? FONTS_ZH[i % 2] : 'DejaVu Serif', fill: '#111', background: '#f7f7f7' });
    const raw = i === 2 ? await photographPage(page.raw, bgAt(i + 7), rng, { width: 1400, height: 1050 }) : page.raw;
    add(`gen_upside_down_${i}`, 'upside-down', { raw, lines: page.lines }, 'jpg', (r, f) => save(r, f, { quality: 85, rotate: 180 }));
  }

  // Text-free patterns that detectors like to fire on.
  const bricks = Array.from({ length: 14 }, (_, row) =>
    Array.from({ length: 9 }, (_, col) => `<rect x="${col * 120 - (row % 2) * 60}" y="${row * 56}" width="112" height="48" fill="#${['a0522d', '8b4513', 'b5651d'][(row + col) % 3]}"/>`).join(''),
  ).join('');
  add('gen_neg_bricks', 'negative', { raw: await render(svgDoc(1000, 760, bricks, '#d8d0c0')), lines: [] }, 'jpg', (r, f) => save(r, f, { quality: 75, blur: 0.8 }));
  const tiles = Array.from({ length: 30 }, (_, i) => `<line x1="${i * 40}" y1="0" x2="${i * 40}" y2="900" stroke="#777" stroke-width="3"/><line x1="0" y1="${i * 40}" x2="1200" y2="${i * 40}" stroke="#777" stroke-width="3"/>`).join('');
  add('gen_neg_tiles', 'negative', { raw: await render(svgDoc(1200, 900, tiles, '#e8e4dc')), lines: [] }, 'jpg', (r, f) => save(r, f, { quality: 75 }));

  const out: OcrTestImage[] = [];
  for (const it of items) {
    const file = path.join(dir, `${it.name}.${it.ext}`);
    await it.write(file);
    out.push({ name: it.name, kind: it.kind, file, lines: it.lines, complete: true, queries: [], source: 'generated' });
  }
  return out;
}

/** Negatives from the shared photo fixtures. */
export function textFreePhotos(): OcrTestImage[] {
  return TEXT_FREE_PHOTOS.map((name) => ({
    name, kind: 'negative' as const, file: path.join(PHOTO_FIXTURES, name), lines: [], complete: true, queries: [], source: 'fixture' as const,
  }));
}

/**
 * Gives each generated image up to two queries drawn from its own text that no other image's ground truth
 * contains (compared after folding by `fold`), so "is it in the top 3" has one right answer.
 */
export function assignQueries(all: OcrTestImage[], fold: (s: string) => string): void {
  const texts = all.map((im) => fold(im.lines.join('\n')));
  for (const [i, im] of all.entries()) {
    if (im.source !== 'generated' || im.lines.length === 0) continue;
    const elsewhere = (q: string) => texts.some((t, j) => j !== i && t.includes(fold(q)));
    im.queries = queriesFor(im.lines, elsewhere);
  }
}
