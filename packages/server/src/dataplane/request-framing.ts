/**
 * Body framing of a data-plane request, checked before any byte goes upstream.
 *
 * Node's HTTP client writes the body of a GET, HEAD, DELETE, OPTIONS or TRACE request as raw
 * bytes with no framing of its own (it does not chunk those methods). A client that sent
 * such a request with `Transfer-Encoding: chunked` would thus have its de-chunked body read
 * upstream as a second request, one its credential never allowed (a signed read URL once
 * made a directory that way). These requests therefore carry no body at all, and the
 * framing headers must be unambiguous.
 */

/** Methods whose requests may not have a body on the data plane. */
const NO_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

function valuesOf(rawHeaders: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === name) out.push(rawHeaders[i + 1]!.trim());
  return out;
}

/** Why a request's framing is refused, or undefined when it is fine. */
export function framingProblem(method: string, rawHeaders: readonly string[]): string | undefined {
  const te = valuesOf(rawHeaders, 'transfer-encoding');
  const cl = valuesOf(rawHeaders, 'content-length');
  if (te.length && cl.length) return 'both Content-Length and Transfer-Encoding are set';
  if (new Set(cl).size > 1) return 'conflicting Content-Length headers';
  if (cl.some((v) => !/^\d+$/.test(v))) return 'an invalid Content-Length';
  if (te.length && (te.length > 1 || te[0]!.toLowerCase() !== 'chunked'))
    return 'a Transfer-Encoding other than one "chunked"';
  if (NO_BODY.has(method.toUpperCase()) && (te.length || cl.some((v) => Number(v) > 0)))
    return `a body on ${method.toUpperCase()}`;
  return undefined;
}

/** The answer to a refused request (E2B's `{code, message}` plus the stable code). */
export function framingRefusal(problem: string) {
  return {
    code: 400,
    message: `request refused: ${problem} (a data-plane request is one request, framed one way)`,
    error_code: 'INVALID_REQUEST_FRAMING',
  };
}
