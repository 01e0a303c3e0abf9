import { describe, expect, it } from 'vitest';
import { rootRefusal } from './root-policy';

describe('rootRefusal', () => {
  const lib = '/home/me/.config/Soutu/library';
  it('refuses the filesystem root, system folders and what is inside them, with the reason', () => {
    expect(rootRefusal('/', lib, 'posix')).toMatch(/root of a disk/);
    for (const f of ['/proc', '/proc/1', '/sys', '/dev', '/dev/shm', '/etc', '/etc/ssl']) expect(rootRefusal(f, lib, 'posix'), f).toMatch(/system folder/);
    expect(rootRefusal('C:\\', lib, 'win32')).toMatch(/root of a disk/);
    expect(rootRefusal('c:\\windows\\system32', 'D:\\lib', 'win32')).toMatch(/system folder/);
    expect(rootRefusal('/System/Library', lib, 'darwin')).toMatch(/system folder/);
  });

  it('refuses the library folder and folders inside it', () => {
    expect(rootRefusal(lib, lib, 'posix')).toMatch(/library folder/);
    expect(rootRefusal(`${lib}/thumbs`, lib, 'posix')).toMatch(/library folder/);
  });

  it('accepts photo folders, including ones that hold the library or only look alike', () => {
    for (const f of ['/home/me/Pictures', '/home/me', '/mnt/photos', '/procedures', '/etcetera', '/media/usb/DCIM']) expect(rootRefusal(f, lib, 'posix'), f).toBeNull();
    expect(rootRefusal('D:\\Photos', 'C:\\lib', 'win32')).toBeNull();
  });
});
