import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPorts } from './free-ports.js';

/** The ports and key of one kernel (Jupyter's connection file). */
export interface ConnectionInfo {
  readonly ip: string;
  readonly transport: 'tcp';
  readonly shell_port: number;
  readonly iopub_port: number;
  readonly stdin_port: number;
  readonly control_port: number;
  readonly hb_port: number;
  readonly key: string;
  readonly signature_scheme: 'hmac-sha256';
}

export interface ConnectionFile {
  readonly path: string;
  readonly info: ConnectionInfo;
  remove(): void;
}

/**
 * Writes a connection file the kernel (running as `uid`) can read and nobody else can.
 * envd runs as root and /tmp is world-writable: mkdtemp makes a fresh directory (mkdir never
 * follows a planted symlink), the file is written before it is handed to the kernel user.
 */
export async function writeConnectionFile(owner: { uid: number; gid: number }): Promise<ConnectionFile> {
  const [shell, iopub, stdin, control, hb] = (await freeTcpPorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const info: ConnectionInfo = {
    ip: '127.0.0.1',
    transport: 'tcp',
    shell_port: shell,
    iopub_port: iopub,
    stdin_port: stdin,
    control_port: control,
    hb_port: hb,
    key: randomBytes(16).toString('hex'),
    signature_scheme: 'hmac-sha256',
  };
  const dir = mkdtempSync(join(tmpdir(), 'soulbox-kernel-'));
  const path = join(dir, 'connection.json');
  try {
    writeFileSync(path, JSON.stringify(info), { mode: 0o600 });
    chownSync(path, owner.uid, owner.gid);
    chmodSync(dir, 0o711);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { path, info, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
