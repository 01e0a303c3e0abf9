import { describe, expect, it } from 'vitest';
import { isInside } from './paths';

describe('isInside', () => {
  it('compares whole segments', () => {
    expect(isInside('/data/photos/a.jpg', '/data/photos', 'posix')).toBe(true);
    expect(isInside('/data/photos', '/data/photos', 'posix')).toBe(true);
    expect(isInside('/data/photos2/a.jpg', '/data/photos', 'posix')).toBe(false);
    expect(isInside('/data/photos/..hidden/a.jpg', '/data/photos', 'posix')).toBe(true);
    expect(isInside('/data/photos/../secret', '/data/photos', 'posix')).toBe(false);
    expect(isInside('D:\\photos\\a.jpg', 'C:\\photos', 'win32')).toBe(false);
    expect(isInside('c:\\Photos\\a.jpg', 'C:\\Photos', 'win32')).toBe(true);
  });
});
