import { inspect } from 'node:util';

/** A MIME bundle as Jupyter kernels publish it. */
export type Bundle = Record<string, unknown>;

/** Marks objects made by `display.*`: shown with their bundle instead of inspected. */
const BUNDLE = Symbol.for('soulbox.display.bundle');

interface Displayable {
  readonly [BUNDLE]: Bundle;
}

function isDisplayable(value: unknown): value is Displayable {
  return typeof value === 'object' && value !== null && BUNDLE in value;
}

/** How a value looks as `text/plain`: Node's inspect, bounded so a huge value stays readable. */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 200, maxStringLength: 100_000, breakLength: 100 });
}

/** The bundle of a cell's value or of a `display()` argument. */
export function bundleOf(value: unknown): Bundle {
  if (isDisplayable(value)) return value[BUNDLE];
  return { 'text/plain': plainText(value) };
}

const base64 = (data: string | Uint8Array) =>
  typeof data === 'string' ? data : Buffer.from(data).toString('base64');

/**
 * The `display` global of JavaScript contexts: `display(value)` shows a value as an extra
 * result; `display.html("<b>x</b>")`, `.markdown`, `.svg`, `.png` (base64 or bytes),
 * `.jpeg`, `.json`, `.latex`, `.mime({...})` build rich values that show as results both
 * when passed to display() and when they are a cell's last expression.
 */
export function createDisplay(show: (bundle: Bundle) => void) {
  const make = (bundle: Bundle): Displayable => {
    const text = typeof bundle['text/plain'] === 'string' ? bundle['text/plain'] : undefined;
    return Object.freeze({
      [BUNDLE]: bundle,
      [inspect.custom]: () => text ?? `[display ${Object.keys(bundle).join(', ')}]`,
    });
  };
  const display = (value: unknown): void => show(bundleOf(value));
  return Object.assign(display, {
    html: (html: string) => make({ 'text/html': html }),
    markdown: (markdown: string) => make({ 'text/markdown': markdown }),
    svg: (svg: string) => make({ 'image/svg+xml': svg }),
    png: (data: string | Uint8Array) => make({ 'image/png': base64(data) }),
    jpeg: (data: string | Uint8Array) => make({ 'image/jpeg': base64(data) }),
    json: (value: unknown) => make({ 'application/json': value, 'text/plain': plainText(value) }),
    latex: (latex: string) => make({ 'text/latex': latex }),
    mime: (bundle: Bundle) => make({ ...bundle }),
  });
}
