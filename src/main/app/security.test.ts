import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { APP_ORIGIN, contentSecurityPolicy, denyAllPermissions, hardenWebContents, isExternalLink, originOf } from './security.js';

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

describe('CSP', () => {
  const csp = contentSecurityPolicy();
  it('allows no inline or eval script and nothing remote', () => {
    const script = csp.split('; ').find((d) => d.startsWith('script-src'))!;
    expect(script).toBe("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(csp).toMatch(/img-src [^;]*soutu-media:/);
  });
  it('allows inline style attributes only, never inline <style> elements', () => {
    const directives = csp.split('; ');
    expect(directives).toContain("style-src 'self'");
    expect(directives).toContain("style-src-attr 'unsafe-inline'");
    expect(directives.filter((d) => d.includes('unsafe-inline'))).toEqual(["style-src-attr 'unsafe-inline'"]);
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
