import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { z } from 'zod';
import { type BuildRecord, parseSteps, type TemplateBuilds, templateStepSchema } from '../build/index.js';
import { SoulBoxError } from '../errors/index.js';
import type { TemplateCatalog } from '../template/index.js';
import type { ApiEnv } from './api-env.js';
import { readJson } from './http-helpers.js';
import { ENVD_VERSION } from './wire.js';

/** Dependencies of the template routes. */
export interface TemplateRoutesDeps {
  builds: TemplateBuilds;
  catalog: TemplateCatalog;
}

/** `POST /v3/templates` (E2B `TemplateBuildRequestV3`). */
const buildRequestSchema = z.looseObject({
  name: z.string().min(1).max(128).optional(),
  alias: z.string().min(1).max(128).optional(),
  tags: z.array(z.string()).optional(),
  cpuCount: z.number().int().min(1).optional(),
  memoryMB: z.number().int().min(128).optional(),
  diskSizeMB: z.number().int().min(512).optional(),
});

/** `PATCH /templates/{id}` (E2B `TemplateUpdateRequest`). */
const updateSchema = z.looseObject({ public: z.boolean().optional() });

/** `POST /v2/templates/{id}/builds/{buildID}` (E2B `TemplateBuildStartV2`). */
const buildStartSchema = z.looseObject({
  fromImage: z.string().min(1).optional(),
  fromTemplate: z.string().min(1).optional(),
  fromImageRegistry: z.unknown().optional(),
  startCmd: z.string().optional(),
  readyCmd: z.string().optional(),
  force: z.boolean().optional(),
  steps: z.array(templateStepSchema).max(1000).optional(),
});

function buildInfo(b: BuildRecord, offset: number, limit: number) {
  return {
    templateID: b.templateName,
    buildID: b.buildID,
    status: b.status,
    logEntries: b.logs.slice(offset, offset + limit),
    logs: [],
    ...(b.reason ? { reason: b.reason } : {}),
  };
}

/**
 * Templates: E2B's v3 build flow (create, upload COPY contexts, start, poll status with
 * `logsOffset`) for the Dockerfile subset, plus `GET /templates`, `PATCH /templates/{id}`
 * and `DELETE /templates/{id}`. Template IDs are names, each the caller's tenant's own (or a
 * built-in or public one for reads): see template-catalog.ts.
 */
export function createTemplateRoutes(d: TemplateRoutesDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/templates', (c) =>
    c.json(
      d.builds.list(c.var.identity.tenantId).map((t) => ({
        templateID: t.name,
        buildID: t.build?.hash ?? t.buildID ?? '',
        names: [t.name],
        aliases: [t.name],
        public: t.public,
        kind: t.kind,
        buildStatus: t.status,
        buildCount: t.buildCount,
        sizeBytes: t.build?.sizeBytes ?? 0,
        createdAt: t.build?.builtAt ?? null,
        updatedAt: t.build?.builtAt ?? null,
        envdVersion: ENVD_VERSION,
        ...(t.build?.config ? { config: t.build.config } : {}),
      })),
    ),
  );

  app.delete('/templates/:id', async (c) => {
    await d.builds.remove(c.var.identity.tenantId, c.req.param('id'));
    return c.body(null, 204);
  });

  // Publishing: only the operator tenant, only its own templates (FORBIDDEN otherwise).
  app.patch('/templates/:id', async (c) => {
    const body = await readJson(c, updateSchema);
    if (body.public !== undefined)
      d.catalog.setPublic(c.var.identity.tenantId, c.req.param('id'), body.public);
    else d.catalog.own(c.var.identity.tenantId, c.req.param('id'));
    return c.body(null, 200, { 'Content-Length': '0' });
  });

  app.post('/v3/templates', async (c) => {
    const body = await readJson(c, buildRequestSchema);
    const name = (body.name ?? body.alias ?? '').split(':')[0]!;
    if (!name) throw new SoulBoxError('INVALID_ARGUMENT', 'name: required');
    const b = d.builds.create(c.var.identity.tenantId, name, {
      cpuCount: body.cpuCount,
      memoryMiB: body.memoryMB,
      diskMiB: body.diskSizeMB,
    });
    return c.json(
      {
        templateID: b.templateName,
        buildID: b.buildID,
        names: [name],
        tags: [],
        public: false,
        aliases: [name],
      },
      202,
    );
  });

  app.get('/templates/:id/files/:hash', (c) => {
    const hash = c.req.param('hash');
    if (d.builds.hasFiles(c.var.identity.tenantId, c.req.param('id'), hash))
      return c.json({ present: true }, 201);
    // The upload goes to this server with the caller's own credential (the SDK sends only the headers given here).
    const headers: Record<string, string> = {};
    const key = c.req.header('x-api-key');
    if (key) headers['X-API-KEY'] = key;
    const auth = c.req.header('authorization');
    if (auth) headers.Authorization = auth;
    const url = new URL(`/templates/${encodeURIComponent(c.req.param('id'))}/files/${hash}`, c.req.url);
    return c.json({ present: false, url: url.toString(), headers }, 201);
  });

  app.put('/templates/:id/files/:hash', async (c) => {
    const body = c.req.raw.body;
    if (!body) throw new SoulBoxError('INVALID_ARGUMENT', 'empty upload');
    const declared = c.req.header('content-length');
    // Streamed to disk and counted on the way (not buffered): see `uploads.*`.
    await d.builds.saveFiles(
      c.var.identity.tenantId,
      c.req.param('id'),
      c.req.param('hash'),
      Readable.fromWeb(body as import('node:stream/web').ReadableStream),
      declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined,
    );
    return c.body(null, 201, { 'Content-Length': '0' });
  });

  app.post('/v2/templates/:id/builds/:buildID', async (c) => {
    const body = await readJson(c, buildStartSchema);
    if (body.startCmd || body.readyCmd)
      throw new SoulBoxError(
        'INVALID_ARGUMENT',
        'start and ready commands are not supported by SoulBox builds',
      );
    if (body.fromImageRegistry)
      throw new SoulBoxError(
        'INVALID_ARGUMENT',
        'private registries are not supported: SoulBox builds use no registry',
      );
    if (!body.fromImage === !body.fromTemplate)
      throw new SoulBoxError('INVALID_ARGUMENT', 'give exactly one of fromImage and fromTemplate');
    const base = body.fromTemplate ? { template: body.fromTemplate } : { image: body.fromImage! };
    await d.builds.start(c.var.identity.tenantId, c.req.param('id'), c.req.param('buildID'), {
      base,
      steps: parseSteps(body.steps ?? []),
      force: body.force ?? false,
    });
    // An explicit empty length: E2B's SDK (openapi-fetch) parses any other 2xx body as JSON.
    return c.body(null, 202, { 'Content-Length': '0' });
  });

  app.get('/templates/:id/builds/:buildID/status', (c) => {
    const b = d.builds.get(c.var.identity.tenantId, c.req.param('id'), c.req.param('buildID'));
    const num = (v: string | undefined, dflt: number) => {
      const n = v === undefined || v === '' ? dflt : Number(v);
      if (!Number.isInteger(n) || n < 0) throw new SoulBoxError('INVALID_ARGUMENT', `invalid number '${v}'`);
      return n;
    };
    return c.json(buildInfo(b, num(c.req.query('logsOffset'), 0), num(c.req.query('limit'), 100)));
  });

  return app;
}
