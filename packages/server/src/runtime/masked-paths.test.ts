import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createMaskedPaths, MASKED_PATHS, READONLY_PATHS } from './masked-paths.js';

describe('masked and read-only paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soulbox-masked-paths-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("hold Docker's defaults", () => {
    assert.deepEqual([...MASKED_PATHS].sort(), [
      '/proc/acpi',
      '/proc/asound',
      '/proc/interrupts',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/sched_debug',
      '/proc/scsi',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/sys/devices/virtual/powercap',
      '/sys/firmware',
    ]);
    assert.deepEqual(READONLY_PATHS, [
      '/proc/bus',
      '/proc/fs',
      '/proc/irq',
      '/proc/sys',
      '/proc/sysrq-trigger',
    ]);
  });

  it('are absolute, under /proc or /sys, unique, and in neither list twice', () => {
    const all = [...MASKED_PATHS, ...READONLY_PATHS];
    assert.equal(new Set(all).size, all.length);
    for (const path of all) assert.match(path, /^\/(proc|sys)\/[a-z_/-]+$/);
  });

  it("adds each CPU's thermal_throttle directory the host has, in CPU order", () => {
    const cpus = join(dir, 'cpu');
    for (const name of ['cpu0', 'cpu1', 'cpu2', 'cpu10', 'cpufreq', 'cpuidle'])
      mkdirSync(join(cpus, name), { recursive: true });
    for (const name of ['cpu10', 'cpu0', 'cpu2', 'cpufreq']) mkdirSync(join(cpus, name, 'thermal_throttle'));
    writeFileSync(join(cpus, 'online'), '0-10\n');
    assert.deepEqual(createMaskedPaths({ cpuSysfsDir: cpus }), [
      ...MASKED_PATHS,
      '/sys/devices/system/cpu/cpu0/thermal_throttle',
      '/sys/devices/system/cpu/cpu2/thermal_throttle',
      '/sys/devices/system/cpu/cpu10/thermal_throttle',
    ]);
  });

  it('adds nothing where there is no sysfs CPU directory', () => {
    assert.deepEqual(createMaskedPaths({ cpuSysfsDir: join(dir, 'missing') }), MASKED_PATHS);
  });

  it("reads the host's sysfs by default", () => {
    const paths = createMaskedPaths();
    assert.deepEqual(paths.slice(0, MASKED_PATHS.length), MASKED_PATHS);
    for (const path of paths.slice(MASKED_PATHS.length))
      assert.match(path, /^\/sys\/devices\/system\/cpu\/cpu\d+\/thermal_throttle$/);
  });
});
