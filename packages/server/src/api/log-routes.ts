import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { SoulBoxError } from '../errors/index.js';
import type { LogEntry, LogLevel, SandboxLogs } from '../logs/index.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { ApiEnv } from './api-env.js';

/** Dependencies of the log routes. */
export interface LogRoutesDeps {
  sandboxes: SandboxManager;
  logs: SandboxLogs;
  /** Comment line sent on idle SSE streams so proxies keep them open. @default 15000 */
  heartbeatMs?: number;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** E2B's `SandboxLogEntry` (+ SoulBox's `seq`, to resume a follow after a history read). */
export function toLogEntryWire(e: LogEntry) {
  return {
    timestamp: new Date(e.timestampMs).toISOString(),
    level: e.level,
    message: e.message,
    fields: e.fields,
    seq: e.seq,
  };
}

function intParam(v: string | undefined, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new SoulBoxError('INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * Sandbox logs: E2B's `GET /sandboxes/{id}/logs` (v1: `logs` + `logEntries`) and
 * `GET /v2/sandboxes/{id}/logs`, plus `GET /sandboxes/{id}/logs/stream` (SSE, follows live).
 * A killed sandbox's log stays readable for a while; the owner check uses the log's tenant.
 */
export function createLogRoutes(d: LogRoutesDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  const check = (id: string, tenantId: string) => {
    const owner = d.logs.tenantOf(id) ?? d.sandboxes.find(id)?.tenantId;
    if (owner === undefined || owner !== tenantId) {
      throw new SoulBoxError(
        'SANDBOX_NOT_FOUND',
        `Sandbox "${id}" doesn't exist or you don't have access to it`,
      );
    }
  };

  app.get('/sandboxes/:id/logs', (c) => {
    const id = c.req.param('id');
    check(id, c.var.identity.tenantId);
    const start = intParam(c.req.query('start'), 'start', 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = intParam(c.req.query('limit'), 'limit', 1, 10_000, 1000);
    const rows = d.logs
      .entries(id)
      .filter((e) => e.timestampMs >= start)
      .slice(0, limit);
    return c.json({
      logs: rows.map((e) => ({ timestamp: new Date(e.timestampMs).toISOString(), line: e.message })),
      logEntries: rows.map(toLogEntryWire),
    });
  });

  app.get('/v2/sandboxes/:id/logs', (c) => {
    const id = c.req.param('id');
    check(id, c.var.identity.tenantId);
    const cursor = c.req.query('cursor');
    const backward = c.req.query('direction') === 'backward';
    const limit = intParam(c.req.query('limit'), 'limit', 1, 10_000, 1000);
    const minLevel = c.req.query('level') as LogLevel | undefined;
    if (minLevel !== undefined && !(minLevel in RANK))
      throw new SoulBoxError('INVALID_ARGUMENT', 'level must be debug, info, warn or error');
    const search = c.req.query('search');
    const at = cursor === undefined ? undefined : intParam(cursor, 'cursor', 0, Number.MAX_SAFE_INTEGER, 0);
    let rows = d.logs.entries(id).filter((e) => {
      if (minLevel && RANK[e.level] < RANK[minLevel]) return false;
      if (search && !e.message.includes(search)) return false;
      if (at !== undefined) return backward ? e.timestampMs <= at : e.timestampMs >= at;
      return true;
    });
    rows = backward ? rows.slice(-limit).reverse() : rows.slice(0, limit);
    return c.json({ logs: rows.map(toLogEntryWire) });
  });

  app.get('/sandboxes/:id/logs/stream', (c) => {
    const id = c.req.param('id');
    check(id, c.var.identity.tenantId);
    const after = intParam(
      c.req.query('after') ?? c.req.header('last-event-id'),
      'after',
      0,
      Number.MAX_SAFE_INTEGER,
      0,
    );
    return streamSSE(c, async (stream) => {
      const queue: (LogEntry | 'end' | 'beat')[] = [];
      let wake: (() => void) | undefined;
      const push = (x: LogEntry | 'end' | 'beat') => {
        queue.push(x);
        wake?.();
      };
      const unsubscribe = d.logs.subscribe(id, after, { entry: (e) => push(e), end: () => push('end') });
      stream.onAbort(() => {
        unsubscribe();
        push('end');
      });
      const beat = setInterval(() => push('beat'), d.heartbeatMs ?? 15_000);
      try {
        for (;;) {
          while (queue.length === 0) await new Promise<void>((r) => (wake = r));
          const item = queue.shift()!;
          if (item === 'end') {
            if (!stream.aborted) await stream.writeSSE({ event: 'end', data: '{}' });
            return;
          }
          if (item === 'beat') {
            await stream.write(': keep-alive\n\n');
            continue;
          }
          await stream.writeSSE({
            id: String(item.seq),
            event: 'log',
            data: JSON.stringify(toLogEntryWire(item)),
          });
        }
      } finally {
        clearInterval(beat);
        unsubscribe();
      }
    });
  });

  return app;
}
