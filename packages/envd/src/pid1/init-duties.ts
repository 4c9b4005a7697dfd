import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';

/**
 * Keeps the kernel's OOM killer off envd: if envd dies, the whole sandbox is gone. Needs
 * CAP_SYS_RESOURCE in the initial user namespace, so inside a user-namespaced container it
 * usually fails and the server's OCI `oomScoreAdj` is what protects envd; either way the
 * children get `childOomScoreAdj` (envd-exec writes it before exec).
 */
export function protectFromOomKiller(logger: Logger): void {
  try {
    writeFileSync('/proc/self/oom_score_adj', '-1000');
  } catch (error) {
    // Expected in a user namespace; informational, since the host decides in that case.
    let current = 'unknown';
    try {
      current = readFileSync('/proc/self/oom_score_adj', 'utf8').trim();
    } catch {
      // /proc unreadable: keep "unknown".
    }
    logger.info('pid1.oom_protect_unavailable', { oomScoreAdj: current, err: error });
  }
}

/**
 * E2B's marker files, which some templates and tools probe to detect a sandbox:
 * `/run/e2b/.E2B_SANDBOX`, `.E2B_SANDBOX_ID`, `.E2B_TEMPLATE_ID`.
 */
export function writeSandboxMarkers(
  sandboxId: string,
  templateId: string,
  logger: Logger,
  dir: string = '/run/e2b',
): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, '.E2B_SANDBOX'), 'true', { mode: 0o644 });
    writeFileSync(join(dir, '.E2B_SANDBOX_ID'), sandboxId, { mode: 0o644 });
    writeFileSync(join(dir, '.E2B_TEMPLATE_ID'), templateId, { mode: 0o644 });
  } catch (error) {
    logger.warn('pid1.markers_failed', { err: error });
  }
}
