import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envdHeaders, portHeaders, responseHeaders, withoutApiCookies } from './forward-headers.js';

const raw = (h: [string, string][]) => h.flat();

describe('headers forwarded into a sandbox', () => {
  const pairs: [string, string][] = [
    ['Host', '8000-abc.localhost:3000'],
    ['X-API-KEY', 'e2b_secret'],
    ['x-access-token', 'envd-token'],
    ['E2B-Traffic-Access-Token', 'traffic-token'],
    ['E2b-Sandbox-Id', 'abc'],
    ['E2b-Sandbox-Port', '8000'],
    ['Authorization', 'Bearer eyJ.soulbox.jwt'],
    ['Cookie', 'soulbox_session=s1; app=1; __Host-soulbox-csrf=x'],
    ['Cookie', 'theme=dark'],
    ['Connection', 'keep-alive, X-Hop'],
    ['X-Hop', 'only for this hop'],
    ['Transfer-Encoding', 'chunked'],
    ['Accept', 'text/html'],
    ['X-Custom', 'a'],
    ['x-custom', 'b'],
  ];
  const request = raw(pairs);

  it("gives a port the client's request minus SoulBox's credentials", () => {
    const h = portHeaders(request, { dropBearer: true });
    assert.deepEqual(h, {
      Host: '8000-abc.localhost:3000',
      Cookie: ['app=1', 'theme=dark'],
      Accept: 'text/html',
      'X-Custom': ['a', 'b'],
    });
  });

  it("keeps an Authorization that is not SoulBox's: the app's own bearer token or Basic", () => {
    const bearer = portHeaders(request, { dropBearer: false });
    assert.equal(bearer.Authorization, 'Bearer eyJ.soulbox.jwt');
    const basic = portHeaders(raw([['authorization', 'Basic dXNlcjpwdw==']]), { dropBearer: true });
    assert.deepEqual(basic, { authorization: 'Basic dXNlcjpwdw==' });
  });

  it('drops a cookie header that holds only API cookies, whatever the spelling', () => {
    assert.equal(withoutApiCookies('SoulBox_Token=1;__Secure-soulbox=2'), undefined);
    assert.equal(withoutApiCookies('a=1; soulboxy=2; b=3'), 'a=1; b=3');
    assert.deepEqual(portHeaders(raw([['cookie', 'soulbox=1']]), { dropBearer: false }), {});
  });

  it('gives envd only what its protocol reads, and Authorization only as Basic', () => {
    const h = envdHeaders(
      raw([
        ...pairs,
        ['Connect-Protocol-Version', '1'],
        ['Connect-Timeout-Ms', '60000'],
        ['Keepalive-Ping-Interval', '50'],
        ['Content-Type', 'application/connect+json'],
        ['X-Metadata-Owner', 'me'],
        ['X-Soulbox-Envd-Secret', 'client-supplied'],
      ]),
    );
    assert.deepEqual(h, {
      Accept: 'text/html',
      'Connect-Protocol-Version': '1',
      'Connect-Timeout-Ms': '60000',
      'Keepalive-Ping-Interval': '50',
      'Content-Type': 'application/connect+json',
      'X-Metadata-Owner': 'me',
    });
    assert.deepEqual(envdHeaders(raw([['Authorization', 'Basic cm9vdDo=']])), {
      Authorization: 'Basic cm9vdDo=',
    });
  });

  it("does not pass an app's Set-Cookie for an API cookie name back to the client", () => {
    const h = responseHeaders(
      raw([
        ['Content-Type', 'text/plain'],
        ['Set-Cookie', 'soulbox_session=planted; Domain=localhost'],
        ['Set-Cookie', 'app=1'],
        ['Connection', 'close'],
        ['Transfer-Encoding', 'chunked'],
      ]),
    );
    assert.deepEqual(h, { 'Content-Type': 'text/plain', 'Set-Cookie': 'app=1' });
  });
});
