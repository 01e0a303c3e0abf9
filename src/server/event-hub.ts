// Server-sent events: one stream per browser tab, every contract event broadcast to all of them,
// with a heartbeat so proxies and idle timeouts do not cut quiet streams.
import type { ServerResponse } from 'node:http';
import type { EventName, EventPayloads } from '../shared/api.js';

const HEARTBEAT_MS = 20_000;

export class EventHub {
  private clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;

  get size(): number {
    return this.clients.size;
  }

  /** Takes over `res` as an event stream; `initial` events are sent to this client only. */
  attach(res: ServerResponse, headers: Record<string, string>, initial: { event: EventName; payload: unknown }[] = []): void {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    for (const e of initial) res.write(frame(e.event, e.payload));
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopHeartbeat();
    });
    this.timer ??= setInterval(() => {
      for (const c of this.clients) c.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  broadcast<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    if (this.clients.size === 0) return;
    const data = frame(event, payload);
    for (const c of this.clients) c.write(data);
  }

  closeAll(): void {
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function frame(event: string, payload: unknown): string {
  // JSON never contains a raw newline, so one data: line is enough.
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}
