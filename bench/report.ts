import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Summary, summarise } from './stats.js';

/** One benchmark result row. */
export interface Row {
  name: string;
  target?: string;
  unit: 'ms' | 'MiB' | 'count' | 'ops/s';
  summary?: Summary;
  value?: number;
  note?: string;
}

/** Collects rows, logs them as they come, prints a table and writes JSON at the end. */
export interface Report {
  record(name: string, samplesMs: number[], target?: string): Summary;
  value(name: string, v: number, unit: Row['unit'], target?: string, note?: string): void;
  finish(): string;
}

/** Creates a report. */
export function createReport(): Report {
  const rows: Row[] = [];
  const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
  return {
    record(name, samples, target) {
      const summary = summarise(samples);
      rows.push({ name, target, unit: 'ms', summary });
      log(`${name}: p50 ${summary.p50} ms, p95 ${summary.p95}, p99 ${summary.p99} (n=${summary.n})`);
      return summary;
    },
    value(name, v, unit, target, note) {
      rows.push({ name, value: Math.round(v * 100) / 100, unit, target, note });
      log(`${name}: ${v.toFixed(2)} ${unit}${note ? ` (${note})` : ''}`);
    },
    finish() {
      const head = ['benchmark', 'n', 'p50', 'p95', 'p99', 'target / note'];
      const lines = rows.map((r) =>
        r.summary
          ? [
              r.name,
              String(r.summary.n),
              `${r.summary.p50} ms`,
              `${r.summary.p95} ms`,
              `${r.summary.p99} ms`,
              r.target ?? '',
            ]
          : [r.name, '', `${r.value} ${r.unit}`, '', '', [r.target, r.note].filter(Boolean).join(' — ')],
      );
      const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
      const fmt = (l: string[]) =>
        l
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd();
      process.stdout.write(
        `${fmt(head)}\n${fmt(widths.map((w) => '-'.repeat(w)))}\n${lines.map(fmt).join('\n')}\n`,
      );
      const dir = path.join(import.meta.dirname, 'results');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      const host = {
        cpus: os.cpus().length,
        memGiB: Math.round(os.totalmem() / 2 ** 30),
        kernel: os.release(),
      };
      fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), host, rows }, null, 2));
      process.stdout.write(`\nresults: ${file}\n`);
      return file;
    },
  };
}
