/** One file capability as `getcap` prints it: path inside the rootfs and capability text. */
export interface FileCapability {
  path: string;
  capabilities: string;
}

/**
 * Parses `getcap -r /` output: `/usr/bin/ping cap_net_raw=ep`, optionally followed by
 * `[rootid=N]`. Lines that are not absolute paths (warnings) are skipped.
 */
export function parseGetcapOutput(lines: readonly string[]): FileCapability[] {
  const caps: FileCapability[] = [];
  for (const line of lines) {
    const match = /^(\/.*?) (\S+)(?: \[rootid=\d+\])?$/.exec(line.trim());
    if (match?.[1] && match[2]) caps.push({ path: match[1], capabilities: match[2] });
  }
  return caps;
}

/**
 * `setcap` arguments that re-apply `caps` as user-namespace capabilities (v3 xattrs with
 * `rootid` = the host id of container root). A plain (v2) capability would be ignored
 * inside the sandbox's user namespace, and `chown` removed the original anyway.
 */
export function setcapArgs(caps: readonly FileCapability[], uidShift: number): string[] {
  return ['-n', String(uidShift), ...caps.flatMap((c) => [c.capabilities, c.path])];
}
