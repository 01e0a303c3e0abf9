// Small measuring helpers shared by the bench tasks: percentiles, memory of this process, machine load.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export const round = (x: number, digits = 1): number => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

function statusField(name: string): number | null {
  try {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Resident memory now, MiB. */
export function rssMb(): number {
  return statusField('VmRSS') ?? process.memoryUsage().rss / 2 ** 20;
}

/** Peak resident memory of this process so far, MiB. */
export function peakRssMb(): number {
  return statusField('VmHWM') ?? process.resourceUsage().maxRSS / 1024;
}

export function loadAverage(): number {
  return os.loadavg()[0];
}

/** CPU seconds this process has used (user + system). */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Text queries a person might type, in English and Chinese; all distinct, so none is answered from a cache. */
export function textQueries(count: number): string[] {
  const en = ['dog', 'cat', 'sunset', 'mountains', 'birthday cake', 'wedding', 'snow', 'city at night', 'flowers', 'kids playing', 'old car', 'boat', 'forest', 'coffee', 'bicycle', 'grandma', 'fireworks', 'lake', 'temple', 'street food'];
  const where = ['', 'on the beach', 'in the rain', 'at home', 'in autumn', 'with friends', 'close-up', 'in black and white', 'from above', 'at dawn', 'in the park', 'indoors'];
  const zh = ['猫', '狗', '日落', '雪山', '生日蛋糕', '婚礼', '下雪', '夜景', '花', '孩子', '老爷车', '小船', '森林', '咖啡', '自行车', '奶奶', '烟花', '湖', '寺庙', '小吃'];
  const zhWhere = ['', '在海边', '在雨中', '在家里', '秋天的', '和朋友', '特写', '黑白的', '俯拍', '清晨', '公园里', '室内'];
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const k = i % 2 === 0;
    const a = Math.floor(i / 2);
    const s = k ? `${en[a % en.length]} ${where[Math.floor(a / en.length) % where.length]}` : `${zhWhere[Math.floor(a / zh.length) % zhWhere.length]}${zh[a % zh.length]}`;
    const t = s.trim();
    if (!out.includes(t)) out.push(t);
    if (i > count * 20) break;
  }
  return out;
}
