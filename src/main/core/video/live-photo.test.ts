import { describe, expect, it } from 'vitest';
import { pairLivePhotos } from './live-photo.js';

describe('pairLivePhotos', () => {
  it('pairs a still with the same-named MOV, whatever the case, and hides the MOV', () => {
    const r = pairLivePhotos([
      { path: '/p/IMG_0001.HEIC' }, { path: '/p/IMG_0001.MOV', durationS: 2.9 },
      { path: '/p/img_0002.jpg' }, { path: '/p/IMG_0002.mov' },
      { path: '/p/IMG_0003.MOV', durationS: 2.5 },
    ]);
    expect(r.pairs).toEqual([
      { still: '/p/IMG_0001.HEIC', motion: '/p/IMG_0001.MOV' },
      { still: '/p/img_0002.jpg', motion: '/p/IMG_0002.mov' },
    ]);
    expect([...r.hidden].sort()).toEqual(['/p/IMG_0001.MOV', '/p/IMG_0002.mov']);
  });

  it('leaves long MOVs, other folders, other stems and MP4s alone', () => {
    const r = pairLivePhotos([
      { path: '/p/IMG_0010.HEIC' }, { path: '/p/IMG_0010.MOV', durationS: 12.4 },
      { path: '/p/a/IMG_0011.HEIC' }, { path: '/p/b/IMG_0011.MOV', durationS: 2 },
      { path: '/p/IMG_E0012.HEIC' }, { path: '/p/IMG_0012.MOV', durationS: 2 },
      { path: '/p/IMG_0013.JPG' }, { path: '/p/IMG_0013.MP4', durationS: 2 },
    ]);
    expect(r.pairs).toEqual([]);
    expect(r.hidden.size).toBe(0);
  });

  it('prefers the HEIC original when an export left a JPEG of the same name too', () => {
    const r = pairLivePhotos([{ path: '/p/IMG_7.JPG' }, { path: '/p/IMG_7.HEIC' }, { path: '/p/IMG_7.MOV', durationS: 3.1 }]);
    expect(r.pairs).toEqual([{ still: '/p/IMG_7.HEIC', motion: '/p/IMG_7.MOV' }]);
  });
});
