import { z } from 'zod';

const stringMap = z.record(z.string(), z.string());
const seconds = z.number().int().min(0).max(2_147_483);

/**
 * Body of `POST /sandboxes` (E2B NewSandbox) and `POST /v2/sandboxes` (NewSandboxV2).
 * Loose: SDK fields SoulBox does not act on (mcp, volumeMounts, ...) are accepted and ignored,
 * as E2B's API ignores unknown fields. `cpuCount`, `memoryMB` and `diskSizeMB` are SoulBox
 * extensions for per-sandbox resources.
 */
export const newSandboxSchema = z.looseObject({
  templateID: z.string().min(1).max(128),
  timeout: seconds.optional(),
  autoPause: z.boolean().optional(),
  secure: z.boolean().optional(),
  allow_internet_access: z.boolean().optional(),
  metadata: stringMap.nullish(),
  envVars: stringMap.nullish(),
  network: z
    .looseObject({
      allowOut: z.array(z.string()).optional(),
      denyOut: z.array(z.string()).optional(),
      allowPublicTraffic: z.boolean().optional(),
    })
    .nullish(),
  cpuCount: z.number().int().optional(),
  qos: z.enum(['guaranteed', 'burstable']).optional(),
  memoryMB: z.number().int().optional(),
  diskSizeMB: z.number().int().optional(),
});
export type NewSandboxBody = z.infer<typeof newSandboxSchema>;

/** `POST /sandboxes/{id}/timeout`. */
export const timeoutSchema = z.looseObject({ timeout: seconds });

/** `POST /sandboxes/{id}/connect` (v1 requires timeout; v2 makes it optional). */
export const connectSchema = z.looseObject({ timeout: seconds.optional(), memory: z.boolean().optional() });

/** `POST /sandboxes/{id}/resume`. */
export const resumeSchema = z.looseObject({ timeout: seconds.optional(), autoPause: z.boolean().optional() });
