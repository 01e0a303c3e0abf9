import { describe, expect, it } from 'vitest';
import { failureMessage } from '../../../shared/failure-messages.js';
import { classifyProbeError, scanTopLevelBoxes, timeoutFailure, videoFileSystemFailure, type VideoClues } from './video-errors.js';

function box(type: string, size: number, declared = size): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(declared, 0);
  b.write(type, 4, 'latin1');
  return b;
}

const scan = (file: Buffer) => scanTopLevelBoxes(async (at, len) => file.subarray(at, at + len), file.length);

describe('scanTopLevelBoxes', () => {
  it('finds moov and mdat in a whole file', async () => {
    expect(await scan(Buffer.concat([box('ftyp', 24), box('mdat', 1000), box('moov', 300)]))).toEqual({ runsPastEnd: false, hasMoov: true, hasMdat: true });
  });
  it('sees a box that promises more bytes than the file has (cut off)', async () => {
    expect(await scan(Buffer.concat([box('ftyp', 24), box('mdat', 500, 1000)]))).toEqual({ runsPastEnd: true, hasMoov: false, hasMdat: true });
  });
  it('reads 64-bit box sizes and stops at garbage', async () => {
    const big = Buffer.alloc(40);
    big.writeUInt32BE(1, 0);
    big.write('mdat', 4, 'latin1');
    big.writeBigUInt64BE(40n, 8);
    expect(await scan(Buffer.concat([box('ftyp', 24), big, box('moov', 16)]))).toEqual({ runsPastEnd: false, hasMoov: true, hasMdat: true });
    expect(await scan(Buffer.concat([box('ftyp', 24), Buffer.from([0, 0, 0, 9, 0xff, 0xfe, 0, 1, 2])]))).toEqual({ runsPastEnd: false, hasMoov: false, hasMdat: false });
  });
});

describe('classifyProbeError', () => {
  const clues = (c: Partial<VideoClues>): VideoClues => ({ size: 1000, sniffed: 'mp4', head: Buffer.alloc(16), ...c });
  it('tells a cut-off file from one whose index was never written', () => {
    expect(classifyProbeError('moov atom not found', clues({ moovMissing: true, boxRunsPastEnd: true }), 1 << 30).code).toBe('truncated');
    const noIndex = classifyProbeError('moov atom not found', clues({ moovMissing: true }), 1 << 30);
    expect(noIndex.code).toBe('corrupt');
    expect(noIndex.reason).toMatch(/no index \(moov atom\)/);
  });
  it('names text and unknown content as not a video, and running out of memory as too large', () => {
    const text = classifyProbeError('Invalid data found when processing input', clues({ sniffed: null, head: Buffer.from('just some notes\n') }), 1 << 30);
    expect(text).toMatchObject({ code: 'not-video', reason: 'Not a video: the file contains text.' });
    expect(classifyProbeError('Invalid data found when processing input', clues({ sniffed: null, head: Buffer.from([0, 1, 2, 3, 0xff, 0]) }), 1 << 30).code).toBe('not-video');
    expect(classifyProbeError('Cannot allocate memory', clues({}), 1 << 30).code).toBe('too-large');
  });
  it('keeps the facts behind the code: a video, its container, the bound it hit, the system error', () => {
    const cut = classifyProbeError('moov atom not found', clues({ sniffed: 'mov', moovMissing: true, boxRunsPastEnd: true }), 1 << 30);
    expect(cut.details).toEqual({ media: 'video', format: 'mov' });
    expect(failureMessage(cut.code, cut.details, 'zh-CN')).toMatch(/^这个 QuickTime 文件的视频数据还没结束/);
    const memory = classifyProbeError('Cannot allocate memory', clues({}), 512 * 2 ** 20);
    expect(memory.details).toEqual({ media: 'video', bytes: 512 * 2 ** 20 });
    expect(failureMessage(memory.code, memory.details, 'zh-CN')).toBe('已放弃：读取视频所需的内存超过允许的 512 MB。');
    const slow = timeoutFailure('reading the video', 30_000);
    expect(slow.details).toEqual({ media: 'video', ms: 30_000 });
    expect(failureMessage(slow.code, slow.details, 'zh-CN')).toContain('30 秒');
    const denied = videoFileSystemFailure(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    expect(denied.details).toEqual({ media: 'video', errno: 'EACCES' });
  });
});
