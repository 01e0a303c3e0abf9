import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { APP_ORIGIN, denyAllPermissions, desktopCsp, hardenWebContents, isExternalLink, originOf } from './security.js';

describe('originOf', () => {
  it('handles custom standard schemes like Chromium does', () => {
    expect(originOf('app://soutu/index.html')).toBe('app://soutu');
    expect(originOf('http://localhost:5173/x')).toBe('http://localhost:5173');
    expect(originOf('app://soutu@evil/')).toBeNull();
    expect(originOf('about:blank')).toBeNull();
    expect(originOf('')).toBeNull();
    expect(originOf(undefined)).toBeNull();
  });
});

describe('desktop CSP', () => {
  it('adds the media protocol to images and connections, and the dev server only when given', () => {
    const csp = desktopCsp();
    expect(csp).toMatch(/img-src [^;]*soutu-media:/);
    expect(csp).toMatch(/connect-src 'self' soutu-media:(;|$)/);
    const dev = desktopCsp('http://localhost:5173/index.html');
    expect(dev).toContain("connect-src 'self' soutu-media: http://localhost:5173 ws://localhost:5173");
    expect(dev).toContain("style-src 'self' 'unsafe-inline'");
  });
});

function fakeContents() {
  const e = new EventEmitter();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  return {
    on: (ev: string, l: (...a: unknown[]) => void) => e.on(ev, l),
    setWindowOpenHandler: (h: typeof openHandler) => void (openHandler = h),
    fire(ev: string, url: string) {
      const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
      e.emit(ev, event, url);
      return event.defaultPrevented;
    },
    open: (url: string) => openHandler!({ url }),
  };
}

describe('hardenWebContents', () => {
  it('denies every navigation and window; only http(s) goes to the system browser', () => {
    const c = fakeContents();
    const openExternal = vi.fn();
    hardenWebContents(c as never, { trustedOrigins: [APP_ORIGIN], openExternal });
    for (const url of ['https://evil.example/', 'file:///etc/passwd', `${APP_ORIGIN}/other.html`, 'javascript:alert(1)', 'soutu-media://full/0123456789abcdef']) {
      expect(c.fire('will-navigate', url), url).toBe(true);
    }
    expect(c.fire('will-attach-webview', 'x')).toBe(true);
    expect(c.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(c.fire('will-redirect', `${APP_ORIGIN}/index.html`)).toBe(false);
    for (const url of ['https://huggingface.co/Xenova', 'file:///etc/passwd', 'app://soutu/index.html', 'smb://host/share', 'https://user:pw@host/']) {
      expect(c.open(url)).toEqual({ action: 'deny' });
    }
    expect(openExternal.mock.calls.map((c) => c[0])).toEqual(['https://evil.example/', 'https://huggingface.co/Xenova']);
  });
  it('isExternalLink', () => {
    expect(isExternalLink('https://x.org')).toBe(true);
    expect(isExternalLink('ms-settings:privacy')).toBe(false);
    expect(isExternalLink('file:///C:/Windows/System32/calc.exe')).toBe(false);
  });
});

describe('denyAllPermissions', () => {
  it('refuses requests, checks and devices', () => {
    const handlers: Record<string, (...a: never[]) => unknown> = {};
    denyAllPermissions({
      setPermissionRequestHandler: (h: never) => void (handlers.request = h),
      setPermissionCheckHandler: (h: never) => void (handlers.check = h),
      setDevicePermissionHandler: (h: never) => void (handlers.device = h),
    } as never);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid']) {
      const cb = vi.fn();
      (handlers.request as (...a: unknown[]) => void)({}, p, cb, {});
      expect(cb).toHaveBeenCalledWith(false);
      expect((handlers.check as (...a: unknown[]) => boolean)({}, p, 'app://soutu', {})).toBe(false);
    }
    expect((handlers.device as (...a: unknown[]) => boolean)({})).toBe(false);
  });
});
