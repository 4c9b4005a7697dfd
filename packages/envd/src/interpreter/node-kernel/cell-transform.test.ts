import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { CellSyntaxError, RUNTIME, transformCell } from './cell-transform.js';

/** A fresh realm with a stub module loader; `run` evaluates cells in it like the kernel does. */
function realm() {
  const imported: string[] = [];
  const context = createContext({
    [RUNTIME]: {
      import: async (spec: string) => {
        imported.push(spec);
        return { default: `default of ${spec}`, named: `named of ${spec}`, 'odd-name': 'odd' };
      },
      default: (m: { default: unknown }) => m.default,
      m: undefined,
    },
  });
  return {
    imported,
    run: (code: string) => runInContext(transformCell(code), context) as Promise<unknown>,
  };
}

describe('transformCell', () => {
  it('returns the value of a final expression, awaited', async () => {
    const { run } = realm();
    assert.equal(await run('1 + 1'), 2);
    assert.equal(await run('await Promise.resolve(5)'), 5);
    assert.equal(JSON.stringify(await run('({a: 1})')), '{"a":1}');
    assert.equal(await run('const x = 1'), undefined, 'a declaration has no value');
    assert.equal(await run('1;;'), 1);
  });

  it('keeps top-level names between cells and lets a cell run twice', async () => {
    const { run } = realm();
    await run(
      'let a = 1; const b = 2; var c = 3; function f() { return a + b + c } class K { v() { return 7 } }',
    );
    assert.equal(await run('f()'), 6);
    assert.equal(await run('new K().v()'), 7);
    await run('let a = 10');
    assert.equal(await run('f()'), 15);
    await run('let {p, q: [r]} = {p: 1, q: [2]}');
    assert.equal(await run('p + r'), 3);
    await run('let unset');
    assert.equal(await run('typeof unset'), 'undefined');
  });

  it('hoists var out of blocks and loop heads, but not out of functions', async () => {
    const { run } = realm();
    await run(
      'for (var i = 0; i < 3; i++) {}\nif (true) { var inBlock = "yes" }\nfunction g() { var local = 1 }',
    );
    assert.equal(await run('i'), 3);
    assert.equal(await run('inBlock'), 'yes');
    assert.equal(await run('typeof local'), 'undefined');
    await run('for (var k in {z: 1}) {}');
    assert.equal(await run('k'), 'z');
  });

  it('turns imports and import() into loads through the runtime', async () => {
    const { run, imported } = realm();
    await run('import d, { named as n, "odd-name" as o } from "m1"; import * as ns from "m2"; import "m3"');
    assert.equal(await run('d'), 'default of m1');
    assert.equal(await run('n + o'), 'named of m1odd');
    assert.equal(await run('ns.named'), 'named of m2');
    assert.equal(await run('(await import("m4")).named'), 'named of m4');
    assert.deepEqual(imported, ['m1', 'm2', 'm3', 'm4']);
  });

  it('drops export keywords and keeps the declarations', async () => {
    const { run } = realm();
    assert.equal(
      await run('export const e = 1; export function h() { return e + 1 }\nexport default h()'),
      2,
    );
    assert.equal(await run('e'), 1);
  });

  it('keeps line numbers for stack traces', () => {
    const out = transformCell('const a = 1\n\nthrow new Error("x")');
    assert.equal(out.split('\n').length, 4, 'the original three lines plus the closing line');
    assert.match(out.split('\n')[2] ?? '', /throw new Error/);
  });

  it('reports code that does not parse as a SyntaxError with its position', () => {
    assert.throws(
      () => transformCell('let = ;'),
      (e: unknown) => e instanceof CellSyntaxError && /\(1:\d+\)/.test(e.message),
    );
  });

  it('accepts sloppy-mode code and a #! line', async () => {
    const { run } = realm();
    assert.equal(
      await run('#!/usr/bin/env node\nundeclared = 4; with ({w: 1}) { undeclared += w }\nundeclared'),
      5,
    );
  });
});
