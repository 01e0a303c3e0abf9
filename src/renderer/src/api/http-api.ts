// SoutuApi over HTTP for serve mode: calls are POST /api/call/<name> with JSON (search:image by an image's bytes
// uploads them raw to /api/upload/search:image), events come from one EventSource on /api/events (reconnecting on
// its own), images are /media/<kind>/<id>.
import type { CallArgs, CallName, CallResult, EventName, EventPayloads, SoutuApi } from '../../../shared/api';
import type { MediaKind } from '../../../shared/contract';
import { CallError } from './call-error';

type Listener = (payload: unknown) => void;

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64.replace(/^data:[^,]*,/, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class HttpApi implements SoutuApi {
  readonly transport = 'http' as const;
  private source: EventSource | null = null;
  private listeners = new Map<string, Set<Listener>>();
  private connectionListeners = new Set<(online: boolean) => void>();

  constructor(private readonly base = '') {}

  async call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
    if (name === 'search:image') {
      const { image, options } = args as CallArgs<'search:image'>;
      // An image's bytes go as they are (the server streams them to its decoder), not as a JSON string 4/3 as big.
      if (image.kind === 'bytes') {
        const query = options ? `?options=${encodeURIComponent(JSON.stringify(options))}` : '';
        return this.send(`${this.base}/api/upload/search:image${query}`, 'application/octet-stream', base64ToBytes(image.base64)) as Promise<CallResult<N>>;
      }
    }
    return this.send(`${this.base}/api/call/${name}`, 'application/json', JSON.stringify(args ?? {})) as Promise<CallResult<N>>;
  }

  private async send(url: string, type: string, body: string | Uint8Array<ArrayBuffer>): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body, credentials: 'same-origin' });
    } catch {
      // The sentence shown comes from the code, in the interface language (messageOf in state/app).
      throw new CallError('network', 'The Soutu server cannot be reached.');
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // fall through: a non-JSON answer is reported below
    }
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new CallError(err?.code ?? 'internal', err?.message ?? '', res.status);
    }
    return parsed;
  }

  on<E extends EventName>(event: E, cb: (payload: EventPayloads[E]) => void): () => void {
    const source = this.connect();
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
      const current = set;
      source.addEventListener(event, (e) => {
        let payload: unknown;
        try {
          payload = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return;
        }
        for (const l of current) l(payload);
      });
    }
    const l = cb as Listener;
    set.add(l);
    return () => set.delete(l);
  }

  /** Extra to the contract: tells the UI when the event stream drops and comes back. */
  onConnection(cb: (online: boolean) => void): () => void {
    this.connect();
    this.connectionListeners.add(cb);
    return () => this.connectionListeners.delete(cb);
  }

  imageUrl(photo: { id: string }, kind: 'thumb' | 'full'): string {
    return `${this.base}/media/${kind}/${encodeURIComponent(photo.id)}`;
  }

  mediaUrl(photo: { id: string }, kind: MediaKind, index?: number): string {
    const tail = kind === 'moment' && index !== undefined ? `/${index}` : '';
    return `${this.base}/media/${kind}/${encodeURIComponent(photo.id)}${tail}`;
  }

  private connect(): EventSource {
    if (this.source) return this.source;
    const source = new EventSource(`${this.base}/api/events`, { withCredentials: true });
    source.addEventListener('open', () => this.connectionListeners.forEach((l) => l(true)));
    source.addEventListener('error', () => this.connectionListeners.forEach((l) => l(false)));
    this.source = source;
    return source;
  }
}
