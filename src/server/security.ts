// Request guards for serve mode: the access token (constant-time check, cookie hand-off), the Host header
// check that defeats DNS rebinding, and the Origin / Fetch-Metadata check that refuses cross-site requests.
// (The page's Content-Security-Policy comes from service/csp.ts, shared with the desktop app.)
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import os from 'node:os';

export const TOKEN_COOKIE = 'soutu_token';

export function makeToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares two secrets in constant time: both are hashed first, so their lengths leak nothing either. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return net.isIPv4(h) && h.startsWith('127.');
}

/** Splits a Host header (`name`, `name:port`, `[v6]:port`) into its host name, or null when malformed. */
export function hostnameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader || hostHeader.length > 300) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/.exec(hostHeader.trim());
  if (!m) return null;
  return m[1].replace(/^\[|\]$/g, '').toLowerCase();
}

export interface HostPolicy {
  /** Extra host names (not IPs) that may address this server, e.g. a NAS's DNS name. */
  allowedHosts?: string[];
  /** The address the server is bound to. */
  bindHost: string;
}

/**
 * Names a browser may legitimately use to reach us. IP literals are always fine (a DNS rebinding attack needs
 * a name the attacker controls); names must be localhost, this machine's own names, or configured ones.
 */
export function hostAllowed(hostHeader: string | undefined, policy: HostPolicy): boolean {
  const name = hostnameOf(hostHeader);
  if (name === null) return false;
  if (net.isIP(name)) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const own = new Set<string>([policy.bindHost.toLowerCase(), ...(policy.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  if (!isLoopbackHost(policy.bindHost)) {
    const me = os.hostname().toLowerCase();
    own.add(me);
    own.add(`${me}.local`);
    own.add(me.split('.')[0]);
  }
  return own.has(name);
}

/**
 * True when a request comes from a page of this very server (or from no page at all, e.g. curl).
 * Browsers send Sec-Fetch-Site and Origin on every fetch that could change state; either one naming another
 * site or origin is refused, same-site ones too (another port on localhost is another program). The Origin must
 * be this server's own origin: its scheme (`scheme`, http: for serve), host and port, compared as URL origins
 * (`https://host:port` is another origin than `http://host:port`, and `http://host` is `http://host:80`).
 */
export function sameOriginRequest(req: IncomingMessage, scheme: 'http:' | 'https:' = 'http:'): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  if (origin === 'null' || !host) return false;
  try {
    const theirs = new URL(origin);
    const ours = new URL(`${scheme}//${host}`);
    return theirs.protocol === scheme && theirs.origin === ours.origin;
  } catch {
    return false;
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    try {
      out.set(k, decodeURIComponent(v));
    } catch {
      // A malformed cookie is ignored, not fatal.
    }
  }
  return out;
}

export type TokenSource = 'header' | 'cookie' | 'query';

/** Finds the token a request presents (Bearer header, cookie, or ?token=) and whether it is right. */
export function checkToken(req: IncomingMessage, query: URLSearchParams, expected: string): { ok: boolean; source: TokenSource | null } {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) {
    return { ok: tokensEqual(auth.replace(/^Bearer\s+/i, '').trim(), expected), source: 'header' };
  }
  const q = query.get('token');
  if (q !== null) return { ok: tokensEqual(q, expected), source: 'query' };
  const c = parseCookies(req.headers.cookie).get(TOKEN_COOKIE);
  if (c !== undefined) return { ok: tokensEqual(c, expected), source: 'cookie' };
  return { ok: false, source: null };
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000`;
}

/** Headers every response carries. */
export const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
