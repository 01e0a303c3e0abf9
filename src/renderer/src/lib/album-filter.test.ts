import { describe, expect, it } from 'vitest';
import { albumName, albumOtherName, filterAlbums, namesAlbum } from './album-filter';

const albums = [
  { id: 'cat', tag: 'Cat', zh: '猫', count: 3 },
  { id: 'cat-toy', tag: 'Cat toy', zh: '猫玩具', count: 9 },
  { id: 'bobcat', tag: 'Bobcat', zh: '山猫', count: 1 },
  { id: 'beach', tag: 'Beach', zh: '海滩', count: 20 },
];

describe('album filter', () => {
  it('matches Chinese and English names whatever the language, exact before prefix before substring', () => {
    expect(filterAlbums(albums, '猫').map((a) => a.id)).toEqual(['cat', 'cat-toy', 'bobcat']);
    expect(filterAlbums(albums, 'CAT').map((a) => a.id)).toEqual(['cat', 'cat-toy', 'bobcat']);
    expect(filterAlbums(albums, '  海 ').map((a) => a.id)).toEqual(['beach']);
    expect(filterAlbums(albums, 'zebra')).toEqual([]);
  });
  it('lists everything, largest first, for an empty query', () => {
    expect(filterAlbums(albums, '').map((a) => a.id)).toEqual(['beach', 'cat-toy', 'cat', 'bobcat']);
  });
  it('normalises full-width input (ＣＡＴ)', () => {
    expect(filterAlbums(albums, 'ＣＡＴ')[0].id).toBe('cat');
  });
  it('knows when a query already names an album', () => {
    expect(namesAlbum(albums, 'beach')).toBe(true);
    expect(namesAlbum(albums, '海滩')).toBe(true);
    expect(namesAlbum(albums, 'bea')).toBe(false);
  });
  it('names an album in the interface language, with the other one beside it', () => {
    expect(albumName(albums[0], 'zh-CN')).toBe('猫');
    expect(albumName(albums[0], 'en')).toBe('Cat');
    expect(albumOtherName(albums[0], 'en')).toBe('猫');
    expect(albumOtherName({ tag: 'my dog', zh: 'my dog' }, 'en')).toBe('');
  });
});
