// The renderer's Content-Security-Policy, one builder for both shells (the desktop's app:// pages and serve's
// HTML). Production: scripts, styles, fonts and connections only from the app itself (no inline script, no eval,
// no inline <style>); images also from data:/blob: (pasted or dropped query images) and, on the desktop, images
// and videos from the media protocol; nothing framed, posted, or run as a worker. Inline style *attributes* are allowed: Svelte's
// style: directives and the virtual grid's positions write them, and they cannot run script.
// Development (`npm run dev`): Vite injects <style> elements and talks to its HMR server, so style-src gains
// 'unsafe-inline' and connect-src the dev server's http and ws origins; nothing else is relaxed.

export interface CspOptions {
  /** A custom scheme images may also come from (the desktop's 'soutu-media'). */
  mediaScheme?: string;
  /** The dev server's origins (e.g. http://localhost:5173); given only in development. */
  devServerOrigins?: readonly string[];
}

export function contentSecurityPolicy(o: CspOptions = {}): string {
  const media = o.mediaScheme ? ` ${o.mediaScheme}:` : '';
  const dev = o.devServerOrigins && o.devServerOrigins.length > 0 ? [...o.devServerOrigins] : null;
  const devConnect = dev ? dev.flatMap((origin) => [origin, origin.replace(/^http/, 'ws')]) : [];
  return [
    "default-src 'none'",
    "script-src 'self'",
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    `img-src 'self'${media} data: blob:`,
    "font-src 'self'",
    ['connect-src', "'self'", ...(media ? [media.trim()] : []), ...devConnect].join(' '),
    // Videos and Live Photos' motion clips play in <video> from the app itself (serve's /media) or the media protocol.
    `media-src 'self'${media}`,
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sent with every image: should a format ever carry active content, it cannot run or load anything. */
export const MEDIA_CSP = "default-src 'none'; sandbox";
