import { randomBytes, randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new sandbox id: 20 characters of [a-z0-9], like E2B's. No '-' or '.', so that
 * `{port}-{id}.{domain}` host names parse unambiguously.
 */
export function newSandboxId(): string {
  let id = ALPHABET[randomInt(26)]!;
  for (let i = 1; i < 20; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/** A fresh envd access token (hex, 256 bits). */
export function newAccessToken(): string {
  return randomBytes(32).toString('hex');
}

/** Whether a string can be a sandbox id at all (checked before touching disk or the store). */
export function isSandboxId(id: string): boolean {
  return /^[a-z0-9]{1,64}$/.test(id);
}
