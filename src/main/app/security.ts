// The Electron security checklist in one place: who may talk to main (sender check), the renderer's CSP (built
// by service/csp.ts for both shells), and the guards every web contents gets (no navigation, no new windows, no
// webviews, no permissions). Electron objects are passed in (types only here), so vitest loads this under Node.
import type { Event as ElectronEvent, HandlerDetails, Session, WebContents, WindowOpenHandlerResponse } from 'electron';
import { MEDIA_SCHEME } from '../../shared/contract.js';
import { contentSecurityPolicy } from '../service/csp.js';

export { MEDIA_SCHEME };
export const APP_SCHEME = 'app';
export const APP_HOST = 'soutu';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The desktop window's CSP: the shared one plus the media protocol; in development, the dev server too. */
export function desktopCsp(devServerUrl?: string): string {
  const dev = devServerUrl ? originOf(devServerUrl) : null;
  return contentSecurityPolicy({ mediaScheme: MEDIA_SCHEME, devServerOrigins: dev ? [dev] : undefined });
}

/**
 * Origin of a URL as Chromium sees it, for custom standard schemes too (Node's URL says "null" for those).
 * Null for URLs with credentials, opaque URLs and anything unparsable.
 */
export function originOf(url: string | null | undefined): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > 8192) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.username || u.password) return null;
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
  if (!u.host) return null;
  return `${u.protocol}//${u.host}`;
}

export interface FrameLike {
  url: string;
  /** Null for the top frame. */
  parent: unknown;
}

/** The minimum an IPC event must carry for the sender check. */
export interface SenderEventLike {
  senderFrame: FrameLike | null;
}

/**
 * True when an IPC message comes from the app's own top-level page: the frame still exists, is not an iframe,
 * and its URL has one of the trusted origins (app://soutu; the dev server's origin in development only).
 */
export function isTrustedSender(event: SenderEventLike | null | undefined, trustedOrigins: readonly string[]): boolean {
  const frame = event?.senderFrame;
  if (!frame) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  const origin = originOf(frame.url);
  return origin !== null && trustedOrigins.includes(origin);
}

/** Origins whose pages may use window.soutu. The dev server counts only in an unpackaged (development) run. */
export function trustedOrigins(opts: { isPackaged: boolean; devServerUrl?: string | undefined }): string[] {
  const out = [APP_ORIGIN];
  if (!opts.isPackaged && opts.devServerUrl) {
    const dev = originOf(opts.devServerUrl);
    if (dev && /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(dev)) out.push(dev);
  }
  return out;
}

/** True for links the app may hand to the system browser (help pages, model cards): plain http(s) only. */
export function isExternalLink(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && u.hostname.length > 0;
  } catch {
    return false;
  }
}

export interface HardenOptions {
  trustedOrigins: readonly string[];
  /** shell.openExternal; links with target=_blank to http(s) go to the system browser. */
  openExternal(url: string): void;
  log?(line: string): void;
}

type Contents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Denies navigation, redirects away from the app, new windows and webviews; http(s) links open in the system browser. */
export function hardenWebContents(contents: Contents, opts: HardenOptions): void {
  // The UI is one page: a reload does not pass through will-navigate, in-page (hash) changes neither, so any
  // navigation at all is something we did not write. http(s) links go to the system browser instead.
  const denyNavigation = (event: ElectronEvent, url: string) => {
    event.preventDefault();
    if (isExternalLink(url)) opts.openExternal(url);
    else opts.log?.(`blocked navigation to ${url.slice(0, 200)}`);
  };
  contents.on('will-navigate', (event, url) => denyNavigation(event as unknown as ElectronEvent, url));
  contents.on('will-redirect', (event, url) => {
    const origin = originOf(url);
    if (origin === null || !opts.trustedOrigins.includes(origin)) (event as unknown as ElectronEvent).preventDefault();
  });
  contents.on('will-attach-webview', (event) => (event as unknown as ElectronEvent).preventDefault());
  contents.setWindowOpenHandler((details: HandlerDetails): WindowOpenHandlerResponse => {
    if (isExternalLink(details.url)) opts.openExternal(details.url);
    else opts.log?.(`blocked window.open(${details.url.slice(0, 200)})`);
    return { action: 'deny' };
  });
}

/** Refuses every permission (camera, notifications, geolocation, HID…), both requests and checks. */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>, log?: (line: string) => void): void {
  session.setPermissionRequestHandler((_wc, permission, callback) => {
    log?.(`denied permission request: ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
