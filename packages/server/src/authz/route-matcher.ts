import type { RouteRule } from './route-rules.js';

/** A rule that matched a request, with the path's parameters. */
export interface RouteMatch {
  rule: RouteRule;
  params: Readonly<Record<string, string>>;
}

/** Finds the rule of a request; undefined when none matches. */
export type RouteMatcher = (method: string, path: string) => RouteMatch | undefined;

interface Compiled {
  rule: RouteRule;
  re: RegExp;
  names: string[];
}

function compile(rule: RouteRule): Compiled {
  const names: string[] = [];
  const parts = rule.path.split('/').map((seg) => {
    if (seg === '*') {
      names.push('*');
      return '(.*)';
    }
    if (seg.startsWith(':')) {
      names.push(seg.slice(1));
      return '([^/]+)';
    }
    return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return { rule, re: new RegExp(`^${parts.join('/')}/?$`), names };
}

/** Compiles rules into a matcher: first matching rule wins, HEAD is matched as GET. */
export function createRouteMatcher(rules: readonly RouteRule[]): RouteMatcher {
  const byMethod = new Map<string, Compiled[]>();
  for (const r of rules) {
    const list = byMethod.get(r.method) ?? [];
    list.push(compile(r));
    byMethod.set(r.method, list);
  }
  return (method, path) => {
    const list = byMethod.get(method === 'HEAD' ? 'GET' : method);
    if (!list) return undefined;
    for (const c of list) {
      const m = c.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        const v = m[i + 1] ?? '';
        try {
          params[n] = decodeURIComponent(v);
        } catch {
          params[n] = v;
        }
      });
      return { rule: c.rule, params };
    }
    return undefined;
  };
}

/**
 * Routes an app serves that no rule covers (each pattern is tried with its parameters filled
 * in). Such routes are refused at run time; this list should be empty.
 */
export function unruledRoutes(
  routes: readonly { method: string; path: string }[],
  match: RouteMatcher,
): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const r of routes) {
    if (r.method === 'ALL' || r.method === 'OPTIONS') continue;
    const sample = r.path
      .split('/')
      .map((s) => (s.startsWith(':') ? 'x1' : s === '*' ? 'x2' : s))
      .join('/')
      .replace(/\{[^}]*\}/g, '');
    if (!match(r.method, sample)) out.push({ method: r.method, path: r.path });
  }
  return out;
}
