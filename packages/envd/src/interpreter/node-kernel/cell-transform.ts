import { type AnyNode, type Node, type Options, type Pattern, parse, type VariableDeclaration } from 'acorn';

/**
 * Rewrites one notebook cell of JavaScript into a script that keeps its top-level names
 * between cells and may use top-level `await`, `import` and `export` — what a Node REPL
 * does for `await`, done for every cell so that all cells behave alike:
 *
 * - the cell runs inside `(async () => { … })()`, so `await` works anywhere at top level;
 * - top-level `let`/`const`/`class`/`function`/imports become script-level `var`s (global
 *   properties), assigned where the declaration was: later cells see them, and running a
 *   cell twice re-declares instead of throwing "already declared";
 * - `var` in nested blocks (not in functions) is hoisted the same way;
 * - `import x from "m"` becomes an awaited load through {@link RUNTIME}, and `import()`
 *   calls go through it too, resolving from the context's working directory;
 * - the value of a final expression statement is the script's (awaited) result.
 *
 * Line numbers are kept: everything added goes on the first line or after the last one.
 */
export const RUNTIME = '__soulbox';

/** Thrown for code that does not parse; `message` is the parser's, with line:column. */
export class CellSyntaxError extends SyntaxError {
  override readonly name = 'SyntaxError';
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly seq: number;
}

const BASE_OPTIONS: Options = {
  ecmaVersion: 'latest',
  allowAwaitOutsideFunction: true,
  allowHashBang: true,
};

function parseCell(source: string): AnyNode[] {
  try {
    return parse(source, { ...BASE_OPTIONS, sourceType: 'script' }).body as AnyNode[];
  } catch (scriptError) {
    // Only a module may hold import/export declarations, but a module is strict code:
    // try the sloppy script grammar first so that plain REPL code keeps working.
    try {
      return parse(source, { ...BASE_OPTIONS, sourceType: 'module' }).body as AnyNode[];
    } catch {
      throw new CellSyntaxError((scriptError as Error).message);
    }
  }
}

/** Binding names of a declaration pattern (`{a, b: [c, ...d] = x}` → a, c, d). */
function patternNames(pattern: Pattern, out: string[] = []): string[] {
  switch (pattern.type) {
    case 'Identifier':
      out.push(pattern.name);
      break;
    case 'ObjectPattern':
      for (const p of pattern.properties) patternNames(p.type === 'RestElement' ? p.argument : p.value, out);
      break;
    case 'ArrayPattern':
      for (const e of pattern.elements) if (e) patternNames(e, out);
      break;
    case 'RestElement':
      patternNames(pattern.argument, out);
      break;
    case 'AssignmentPattern':
      patternNames(pattern.left, out);
      break;
    default:
      break;
  }
  return out;
}

function isFunction(node: AnyNode): boolean {
  return (
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression'
  );
}

/** Child nodes of any ESTree node, found generically (acorn nodes are plain objects). */
function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'range') continue;
    const items: unknown[] = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (item && typeof item === 'object' && typeof (item as Node).type === 'string')
        out.push(item as AnyNode);
    }
  }
  return out;
}

/** Rewrites a cell; see the module comment. @throws CellSyntaxError */
export function transformCell(cell: string): string {
  // A `#!` line is only valid at the very start of a file, which the cell no longer is.
  const source = cell.startsWith('#!') ? `//${cell.slice(2)}` : cell;
  const body = parseCell(source);
  const edits: Edit[] = [];
  const hoisted = new Set<string>();
  const prologue: string[] = [];
  const done = new Set<AnyNode>();
  const edit = (start: number, end: number, text: string): void => {
    edits.push({ start, end, text, seq: edits.length });
  };

  /** Where a statement's text ends, before its own `;` if it has one. */
  const statementEnd = (node: Node): number => (source[node.end - 1] === ';' ? node.end - 1 : node.end);

  /** `let a = 1, {b} = o;` → `void ( a = 1, {b} = o);` (the names are hoisted). */
  const declarationToAssignment = (decl: VariableDeclaration) => {
    done.add(decl);
    for (const d of decl.declarations) {
      for (const name of patternNames(d.id)) hoisted.add(name);
      // `let a;` must reset a on re-run; `var a;` keeps the value, as var does.
      if (!d.init && decl.kind !== 'var') edit(d.id.end, d.id.end, ' = undefined');
    }
    edit(decl.start, decl.start + decl.kind.length, 'void (');
    if (source[decl.end - 1] === ';') edit(decl.end - 1, decl.end - 1, ')');
    else edit(decl.end, decl.end, ');');
  };

  const importDeclaration = (node: Extract<AnyNode, { type: 'ImportDeclaration' }>) => {
    const spec = JSON.stringify(node.source.value);
    const load = `await ${RUNTIME}.import(${spec})`;
    if (node.specifiers.length === 0) {
      edit(node.start, node.end, `${load};`);
      return;
    }
    const parts = [`${RUNTIME}.m = ${load};`];
    const named: string[] = [];
    for (const s of node.specifiers) {
      hoisted.add(s.local.name);
      if (s.type === 'ImportDefaultSpecifier')
        parts.push(`${s.local.name} = ${RUNTIME}.default(${RUNTIME}.m);`);
      else if (s.type === 'ImportNamespaceSpecifier') parts.push(`${s.local.name} = ${RUNTIME}.m;`);
      else {
        const imported =
          s.imported.type === 'Identifier' ? s.imported.name : JSON.stringify(s.imported.value);
        named.push(
          s.imported.type === 'Identifier'
            ? `${imported}: ${s.local.name}`
            : `[${imported}]: ${s.local.name}`,
        );
      }
    }
    if (named.length > 0) parts.push(`({${named.join(', ')}} = ${RUNTIME}.m);`);
    edit(node.start, node.end, parts.join(' '));
  };

  const topLevel = (node: AnyNode, isLast: boolean): void => {
    switch (node.type) {
      case 'VariableDeclaration':
        declarationToAssignment(node);
        break;
      case 'FunctionDeclaration':
        if (node.id) {
          hoisted.add(node.id.name);
          prologue.push(`globalThis.${node.id.name} = ${node.id.name};`);
        }
        break;
      case 'ClassDeclaration':
        if (node.id) {
          hoisted.add(node.id.name);
          edit(node.start, node.start, `${node.id.name} = `);
          edit(node.end, node.end, ';');
        }
        break;
      case 'ImportDeclaration':
        done.add(node);
        importDeclaration(node);
        break;
      case 'ExportNamedDeclaration':
        if (node.declaration) {
          edit(node.start, node.declaration.start, '');
          topLevel(node.declaration, false);
        } else edit(node.start, node.end, ';');
        break;
      case 'ExportDefaultDeclaration': {
        const d = node.declaration;
        if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id) {
          edit(node.start, d.start, '');
          topLevel(d, false);
          break;
        }
        // Only the keywords go: the expression may start with a parenthesis of its own.
        const keywordsEnd = source.indexOf('default', node.start) + 'default'.length;
        edit(node.start, keywordsEnd, isLast ? 'return (' : 'void (');
        edit(statementEnd(node), statementEnd(node), ')');
        break;
      }
      case 'ExportAllDeclaration':
        edit(node.start, node.end, ';');
        break;
      case 'ExpressionStatement':
        // The statement's range, not the expression's: acorn leaves the parentheses of
        // `({a: 1})` outside the expression node.
        if (isLast && !('directive' in node && node.directive)) {
          edit(node.start, node.start, 'return (');
          edit(statementEnd(node), statementEnd(node), ')');
        }
        break;
      default:
        break;
    }
  };

  const meaningful = body.filter((s) => s.type !== 'EmptyStatement');
  const last = meaningful.at(-1);
  for (const statement of body) topLevel(statement, statement === last);

  const visit = (node: AnyNode, parent: AnyNode | undefined, inFunction: boolean): void => {
    if (done.has(node) && node.type === 'ImportDeclaration') return;
    if (node.type === 'ImportExpression') edit(node.start, node.start + 'import'.length, `${RUNTIME}.import`);
    if (node.type === 'VariableDeclaration' && node.kind === 'var' && !inFunction && !done.has(node)) {
      const inLoopHead =
        (parent?.type === 'ForStatement' && parent.init === node) ||
        ((parent?.type === 'ForInStatement' || parent?.type === 'ForOfStatement') && parent.left === node);
      if (inLoopHead) {
        for (const d of node.declarations) for (const name of patternNames(d.id)) hoisted.add(name);
        edit(node.start, node.start + 3, '');
      } else declarationToAssignment(node);
    }
    const nested = inFunction || isFunction(node);
    for (const child of children(node)) visit(child, node, nested);
  };
  for (const statement of body) visit(statement, undefined, false);

  edits.sort((a, b) => a.start - b.start || a.end - a.start - (b.end - b.start) || a.seq - b.seq);
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += source.slice(at, e.start) + e.text;
    at = Math.max(at, e.end);
  }
  out += source.slice(at);
  const vars = hoisted.size > 0 ? `var ${[...hoisted].join(', ')}; ` : '';
  return `${vars}(async () => { ${prologue.join(' ')}${out}\n})()`;
}
