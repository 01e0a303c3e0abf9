import { describe, expect, it } from 'vitest';
import { containerMime, containerPlayable, currentMoment, formatMoment, matchTimes, momentAt, sampledIndex, stepMoment } from './video';

describe('containers', () => {
  it('asks about the ISO-BMFF family as MP4 (Chromium plays H.264 MOV but answers "" for video/quicktime)', () => {
    for (const f of ['mp4', 'MOV', 'm4v', '3gp']) expect(containerMime(f)).toBe('video/mp4');
    expect(containerMime('webm')).toBe('video/webm');
    expect(containerMime('mkv')).toBe('video/x-matroska');
    expect(containerMime('avi')).toBe('video/x-msvideo');
    expect(containerMime('flv')).toBe('');
    expect(containerMime(undefined)).toBe('');
  });
  it('goes to a preview at once only when the browser says no to the container', () => {
    const chromium = (m: string) => ({ 'video/mp4': 'maybe', 'video/webm': 'maybe', 'video/x-matroska': 'maybe' })[m] ?? '';
    expect(containerPlayable('avi', chromium)).toBe(false);
    expect(containerPlayable('mov', chromium)).toBe(true);
    expect(containerPlayable('mkv', chromium)).toBe(true); // tried; an error then asks for the preview
    expect(containerPlayable(undefined, chromium)).toBe(true);
  });
});

describe('formatMoment', () => {
  it('shows the second a moment is in, as a player does', () => {
    expect(formatMoment(3.92)).toBe('0:03');
    expect(formatMoment(5)).toBe('0:05');
    expect(formatMoment(59.99)).toBe('0:59');
    expect(formatMoment(3725.5)).toBe('1:02:05');
    expect(formatMoment(-1)).toBe('0:00');
  });
});

describe('scrubbing a tile', () => {
  it('maps the pointer across the tile onto the moments, clamped to the ends', () => {
    expect(momentAt(0, 200, 10)).toBe(0);
    expect(momentAt(19.9, 200, 10)).toBe(0);
    expect(momentAt(20, 200, 10)).toBe(1);
    expect(momentAt(199.9, 200, 10)).toBe(9);
    expect(momentAt(250, 200, 10)).toBe(9);
    expect(momentAt(-5, 200, 10)).toBe(0);
    expect(momentAt(50, 0, 10)).toBe(0);
    expect(momentAt(50, 200, 0)).toBe(0);
  });
});

describe('matching moments', () => {
  const hit = { time: 7.2, moments: [{ time: 9.6, score: 0.3 }, { time: 5.04, score: 0.29 }, { time: 7.2, score: 0.2 }] };
  it('are the best and the others, in time order, without repeats', () => {
    expect(matchTimes(hit)).toEqual([5.04, 7.2, 9.6]);
    expect(matchTimes({})).toEqual([]);
    expect(matchTimes({ time: 3 })).toEqual([3]);
  });
  it('step from where playback is, not from the last jump', () => {
    const times = matchTimes(hit);
    expect(stepMoment(times, 7.2, 1)).toBe(9.6);
    expect(stepMoment(times, 7.3, 1)).toBe(9.6); // just past a moment: the next one
    expect(stepMoment(times, 7.3, -1)).toBe(5.04); // ... and back skips the one just passed
    expect(stepMoment(times, 8.5, -1)).toBe(7.2);
    expect(stepMoment(times, 9.6, 1)).toBeNull();
    expect(stepMoment(times, 5.04, -1)).toBeNull();
    expect(stepMoment(times, 0, 1)).toBe(5.04);
  });
  it('mark the one playing or last passed', () => {
    const times = matchTimes(hit);
    expect(currentMoment(times, 0)).toBe(-1);
    expect(currentMoment(times, 5.0)).toBe(0);
    expect(currentMoment(times, 8)).toBe(1);
    expect(currentMoment(times, 30)).toBe(2);
  });
  it('find their thumbnails among the sampled moments', () => {
    const sampled = [0, 2.5, 5.04, 7.2, 9.6, 12];
    expect(sampledIndex(sampled, 7.2)).toBe(3);
    expect(sampledIndex(sampled, 9.62)).toBe(4);
    expect(sampledIndex(sampled, 8)).toBe(-1);
    expect(sampledIndex([], 1)).toBe(-1);
  });
});
