import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { OciSpec } from '../packages/server/src/runtime/oci-spec.js';
import { mountOverlay, unmountOverlay } from '../packages/server/src/runtime/overlay.js';
import { run } from '../packages/server/src/util/exec.js';

/**
 * Runs a command, resolving with its stdout when it exits (for timing spawns). With
 * `detached`, stdout is not captured: a detached container would hold the pipe open forever.
 */
export function spawnWait(cmd: string, args: string[], input?: Buffer, detached = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [input ? 'pipe' : 'ignore', detached ? 'ignore' : 'pipe', 'inherit'],
    });
    const out: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exited ${code}`)),
    );
    if (input) child.stdin?.end(input);
  });
}

/** A bare runc bundle on an overlay of the template: no user namespace, no seccomp, no agent. */
export interface BareBundle {
  dir: string;
  write(args: string[]): void;
  close(): Promise<void>;
}

/** Prepares a bare bundle under `baseDir` (the raw floor SoulBox is compared with). */
export async function bareBundle(baseDir: string, templateRootfs: string): Promise<BareBundle> {
  const dir = fs.mkdtempSync(path.join(baseDir, 'floor-'));
  const rootfs = path.join(dir, 'rootfs');
  await mountOverlay(
    {
      lowerDirs: [templateRootfs],
      upperDir: path.join(dir, 'upper'),
      workDir: path.join(dir, 'work'),
      mergedDir: rootfs,
    },
    { uid: 0, gid: 0 },
  );
  await run('runc', ['spec', '--bundle', dir]);
  const base = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as OciSpec;
  return {
    dir,
    write(args) {
      const spec = {
        ...base,
        process: { ...base.process!, terminal: false, args },
        root: { path: rootfs, readonly: false },
      };
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
    },
    async close() {
      await unmountOverlay(rootfs);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
