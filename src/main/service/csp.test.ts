// The one CSP builder: production is strict for both shells (the desktop only adds its media protocol); the
// development variant relaxes exactly what Vite's dev server needs (inline <style>, its HMR origins).
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './csp.js';

const directives = (csp: string) => csp.split('; ');

for (const [shell, csp] of [
  ['serve', contentSecurityPolicy()],
  ['desktop', contentSecurityPolicy({ mediaScheme: 'soutu-media' })],
] as const) {
  describe(`production CSP (${shell})`, () => {
    it('allows no inline or eval script and nothing remote', () => {
      const script = directives(csp).find((d) => d.startsWith('script-src'))!;
      expect(script).toBe("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("worker-src 'none'");
      expect(csp).toContain("font-src 'self'");
      expect(csp).not.toMatch(/unsafe-eval|https?:|wss?:|\*/);
    });
    it('allows inline style attributes only, never inline <style> elements', () => {
      expect(directives(csp)).toContain("style-src 'self'");
      expect(directives(csp)).toContain("style-src-attr 'unsafe-inline'");
      expect(directives(csp).filter((d) => d.includes('unsafe-inline'))).toEqual(["style-src-attr 'unsafe-inline'"]);
    });
  });
}

describe('media scheme', () => {
  it('is added to images and connections on the desktop only', () => {
    expect(contentSecurityPolicy({ mediaScheme: 'soutu-media' })).toMatch(/img-src 'self' soutu-media: data: blob:/);
    expect(directives(contentSecurityPolicy({ mediaScheme: 'soutu-media' }))).toContain("connect-src 'self' soutu-media:");
    expect(contentSecurityPolicy()).not.toContain('soutu-media');
    expect(directives(contentSecurityPolicy())).toContain("connect-src 'self'");
    // Videos: from the app itself (serve's /media) or, on the desktop, the media protocol; never data:, blob: or remote.
    expect(directives(contentSecurityPolicy())).toContain("media-src 'self'");
    expect(directives(contentSecurityPolicy({ mediaScheme: 'soutu-media' }))).toContain("media-src 'self' soutu-media:");
  });
});

describe('development CSP', () => {
  const dev = contentSecurityPolicy({ mediaScheme: 'soutu-media', devServerOrigins: ['http://localhost:5173'] });
  it("lets Vite's <style> tags and HMR socket through, nothing else", () => {
    expect(directives(dev)).toContain("style-src 'self' 'unsafe-inline'");
    expect(directives(dev)).toContain("connect-src 'self' soutu-media: http://localhost:5173 ws://localhost:5173");
    expect(directives(dev).find((d) => d.startsWith('script-src'))).toBe("script-src 'self'");
    // Everything else is the production policy.
    const prod = directives(contentSecurityPolicy({ mediaScheme: 'soutu-media' }));
    const changed = directives(dev).filter((d) => !prod.includes(d));
    expect(changed.map((d) => d.split(' ')[0]).sort()).toEqual(['connect-src', 'style-src']);
  });
  it('an empty dev list is production', () => {
    expect(contentSecurityPolicy({ devServerOrigins: [] })).toBe(contentSecurityPolicy());
  });
});
