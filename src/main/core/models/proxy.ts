// The model download goes through the proxy the environment names (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either
// case), as curl and npm do: one undici EnvHttpProxyAgent, given the variables explicitly so that a test (or a
// shell) decides which environment counts, never process.env behind its back.
import type { Dispatcher } from 'undici';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

function pick(env: Environment, name: string): string {
  return env[name.toLowerCase()] ?? env[name.toUpperCase()] ?? '';
}

/** The proxy variables of `env` (lower case wins, like curl), or null when none is set. */
export function proxySettings(env: Environment): ProxySettings | null {
  const s = { httpProxy: pick(env, 'http_proxy'), httpsProxy: pick(env, 'https_proxy'), noProxy: pick(env, 'no_proxy') };
  return s.httpProxy || s.httpsProxy ? s : null;
}

/**
 * A fetch that honours the proxy variables of `env`; the global fetch when none is set. Empty strings are passed
 * for unset variables so that EnvHttpProxyAgent does not fall back to reading process.env itself.
 */
export function proxyAwareFetch(env: Environment): typeof fetch {
  const s = proxySettings(env);
  if (!s) return fetch;
  // undici's own fetch with its own dispatcher (the global fetch is Node's bundled copy of undici, whose version
  // need not match the package's), loaded on the first download: most runs never download anything.
  let loaded: Promise<{ dispatcher: Dispatcher; fetch: typeof import('undici').fetch }> | null = null;
  const load = () =>
    (loaded ??= import('undici').then((u) => ({
      dispatcher: new u.EnvHttpProxyAgent({ httpProxy: s.httpProxy, httpsProxy: s.httpsProxy, noProxy: s.noProxy }),
      fetch: u.fetch,
    })));
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const u = await load();
    return u.fetch(input as Parameters<typeof u.fetch>[0], { ...(init as Parameters<typeof u.fetch>[1]), dispatcher: u.dispatcher });
  }) as unknown as typeof fetch;
}
