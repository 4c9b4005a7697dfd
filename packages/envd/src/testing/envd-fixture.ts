/**
 * Test fixture: envd in-process (not as PID 1) listening on sockets in a temp dir, with a
 * Connect client over the unix socket and a raw HTTP helper, both sending the host secret
 * as the server does. Every fixture removes what it created.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Filesystem, Process } from '@soulbox/proto';
import type { EnvdConfig } from '../config/envd-config.js';
import { HOST_SECRET_HEADER } from '../contract.js';
import { type Envd, startEnvd } from '../envd.js';
import type { Logger } from '../log/logger.js';
import { createUserDb, type UserDb } from '../users/user-db.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Compiles envd_native.node and envd-exec into packages/envd/bundle (no-op when fresh). */
export function ensureNativeBuilt(): string {
  execFileSync(process.execPath, [join(packageDir, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
  return join(packageDir, 'bundle');
}

/** Builds the whole bundle (envd.cjs + native + node-pty) for tests that run it as a program. */
export function ensureBundleBuilt(): string {
  execFileSync(process.execPath, [join(packageDir, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
  return join(packageDir, 'bundle');
}

export const isRoot = process.getuid?.() === 0;

/** Who processes run as by default in a fixture: root, or the current user without root. */
export const defaultAccount = isRoot
  ? { name: 'root', home: '/root', uid: 0, gid: 0 }
  : { name: userInfo().username, home: userInfo().homedir, uid: userInfo().uid, gid: userInfo().gid };

/**
 * A made-up account for ownership tests: uid 12345 with root, the current user's ids
 * without (a non-root envd can only chown to itself).
 */
export function testAccount(name: string): TestUser {
  return isRoot
    ? { name, uid: 12345, gid: 12345 }
    : { name, uid: defaultAccount.uid, gid: defaultAccount.gid };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface HttpRequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: Buffer | string;
}

/** One HTTP/1.1 request over a unix socket, body fully read. */
export function httpRequest(
  socketPath: string,
  path: string,
  options: HttpRequestOptions = {},
): Promise<HttpResult> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { socketPath, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `Authorization` header choosing a user the way the SDK does. */
export function basicAuth(user: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:`).toString('base64')}` };
}

/** The host secret every fixture's envd expects. */
export const TEST_HOST_SECRET = 'test-host-secret-0123456789abcdefghij';

/** The header the host sends with every request. */
export const hostHeaders: Readonly<Record<string, string>> = { [HOST_SECRET_HEADER]: TEST_HOST_SECRET };

export interface TestEnvd {
  readonly envd: Envd;
  /** Sockets of the api and control servers. */
  readonly apiSocketPath: string;
  readonly controlSocketPath: string;
  /** Temp dir of this fixture; `work` below it is the default workdir (mode 0755). */
  readonly root: string;
  readonly workDir: string;
  /** Home directories of the fixture's test users. */
  readonly homes: Readonly<Record<string, string>>;
  /** `event fields` of every warning envd logged (with the default logger). */
  readonly warnings: readonly string[];
  /** The fixture's account database (names for ids). */
  readonly users: UserDb;
  readonly process: Client<typeof Process>;
  readonly filesystem: Client<typeof Filesystem>;
  /** A request to the api server, with the host secret unless `headers` sets it otherwise. */
  http(path: string, options?: HttpRequestOptions): Promise<HttpResult>;
  /** A request to the control server, with the host secret unless `headers` sets it otherwise. */
  control(path: string, options?: HttpRequestOptions): Promise<HttpResult>;
  close(): Promise<void>;
}

export interface TestEnvdOptions {
  readonly defaultUser?: string;
  readonly envVars?: Record<string, string>;
  readonly childOomScoreAdj?: number;
  readonly logger?: Logger;
  /** Extra accounts besides root and nobody, with homes created under the fixture's root. */
  readonly testUsers?: readonly TestUser[];
}

export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: [name, gid] pairs this user is a member of. */
  readonly groups?: ReadonlyArray<readonly [string, number]>;
}

/**
 * A private passwd/group pair so tests can use made-up users (with homes in the temp dir)
 * without touching the machine's accounts. Returns the home directories by user name.
 */
function writeUserFiles(
  root: string,
  users: readonly TestUser[],
): { db: UserDb; homes: Record<string, string> } {
  const homes: Record<string, string> = {};
  const passwd = [
    'root:x:0:0:root:/root:/bin/bash',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  ];
  const groups = new Map<string, { gid: number; members: string[] }>([
    ['root', { gid: 0, members: [] }],
    ['nogroup', { gid: 65534, members: [] }],
  ]);
  for (const user of users) {
    const home = join(root, 'home', user.name);
    mkdirSync(home, { recursive: true, mode: 0o755 });
    if (isRoot) chownSync(home, user.uid, user.gid);
    homes[user.name] = home;
    passwd.push(`${user.name}:x:${user.uid}:${user.gid}::${home}:/bin/bash`);
    groups.set(user.name, { gid: user.gid, members: [] });
    for (const [group, gid] of user.groups ?? []) {
      const entry = groups.get(group) ?? { gid, members: [] };
      entry.members.push(user.name);
      groups.set(group, entry);
    }
  }
  const passwdPath = join(root, 'passwd');
  const groupPath = join(root, 'group');
  writeFileSync(passwdPath, `${passwd.join('\n')}\n`);
  writeFileSync(
    groupPath,
    `${[...groups].map(([n, g]) => `${n}:x:${g.gid}:${g.members.join(',')}`).join('\n')}\n`,
  );
  return { db: createUserDb({ passwdPath, groupPath }), homes };
}

export async function startTestEnvd(options: TestEnvdOptions = {}): Promise<TestEnvd> {
  const nativeDir = ensureNativeBuilt();
  const root = mkdtempSync(join(tmpdir(), 'envd-test-'));
  // Other users (nobody) must be able to enter the work dir as their cwd.
  chmodSync(root, 0o755);
  const workDir = join(root, 'work');
  const socketDir = join(root, 'sock');
  mkdirSync(workDir, { mode: 0o755 });
  mkdirSync(socketDir);
  chmodSync(workDir, 0o755);
  const users = writeUserFiles(root, options.testUsers ?? []);
  const apiSocketPath = join(socketDir, 'envd.sock');
  const controlSocketPath = join(socketDir, 'control.sock');
  const config: EnvdConfig = {
    sandboxId: 'testsandbox',
    templateId: 'testtemplate',
    hostSecret: TEST_HOST_SECRET,
    logMaxBytes: 8 * 1024 * 1024,
    envVars: options.envVars ?? {},
    defaultUser: options.defaultUser ?? defaultAccount.name,
    defaultWorkdir: workDir,
    childOomScoreAdj: options.childOomScoreAdj,
    codeInterpreter: false,
  };
  // Internal errors are bugs: the fixture records them and close() fails the suite.
  const internalErrors: string[] = [];
  const warnings: string[] = [];
  const recorder: Logger = {
    info: () => {},
    warn: (event, fields) => warnings.push(`${event} ${JSON.stringify(fields ?? {})}`),
    error: (event, fields) => internalErrors.push(`${event} ${JSON.stringify(fields ?? {})}`),
  };
  let envd: Envd;
  try {
    envd = await startEnvd({
      config,
      listen: { api: { path: apiSocketPath }, control: { path: controlSocketPath } },
      pathEnv: process.env.PATH ?? '/usr/bin:/bin',
      logger: options.logger ?? recorder,
      nativeDir,
      users: users.db,
      shutdownGraceMs: 500,
    });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const transport = createConnectTransport({
    baseUrl: 'http://localhost',
    httpVersion: '1.1',
    // JSON like the e2b SDK; a fresh connection per call so closing envd leaves nothing.
    useBinaryFormat: false,
    nodeOptions: { socketPath: apiSocketPath, agent: false },
    interceptors: [
      (next) => (req) => {
        req.header.set(HOST_SECRET_HEADER, TEST_HOST_SECRET);
        return next(req);
      },
    ],
  });
  const withSecret = (o: HttpRequestOptions = {}): HttpRequestOptions => ({
    ...o,
    headers: { ...hostHeaders, ...o.headers },
  });
  return {
    envd,
    apiSocketPath,
    controlSocketPath,
    root,
    workDir,
    homes: users.homes,
    warnings,
    users: users.db,
    process: createClient(Process, transport),
    filesystem: createClient(Filesystem, transport),
    http: (path, o) => httpRequest(apiSocketPath, path, withSecret(o)),
    control: (path, o) => httpRequest(controlSocketPath, path, withSecret(o)),
    async close() {
      try {
        await envd.close();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
      if (internalErrors.length > 0) throw new Error(`envd logged errors:\n${internalErrors.join('\n')}`);
    },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
