import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandPermissions } from '../authz/permissions.js';
import { BUILTIN_ROLES } from '../authz/roles.js';
import type { SandboxRecord } from '../store/index.js';
import {
  CREATOR_GRANT,
  tokenGrant,
  toListedSandboxWire,
  toSandboxDetailWire,
  toSandboxWire,
} from './wire.js';

const rec = {
  id: 'sbx1',
  templateId: 'base',
  tenantId: 't',
  state: 'running',
  cpuCount: 1,
  memoryMiB: 256,
  diskMiB: 1024,
  metadata: {},
  envVars: {},
  accessToken: 'envd-token',
  trafficToken: 'traffic-token',
  networkMode: 'bridge',
  netIndex: 2,
  diskProjectId: null,
  egress: null,
  autoPause: false,
  qos: 'burstable',
  startedAt: '2026-01-01T00:00:00.000Z',
  endAt: '2026-01-01T00:05:00.000Z',
  killedAt: null,
  uidBase: 2 ** 30,
} satisfies SandboxRecord;

const grantOf = (role: keyof typeof BUILTIN_ROLES) => tokenGrant(expandPermissions(BUILTIN_ROLES[role]));

describe('sandbox tokens on the wire', () => {
  it('a viewer sees a sandbox without its tokens, in list, get and connect', () => {
    const viewer = grantOf('viewer');
    assert.deepEqual(viewer, { envd: false, traffic: false });
    const all = JSON.stringify([
      toListedSandboxWire(rec),
      toSandboxDetailWire(rec, viewer),
      toSandboxWire(rec, viewer),
    ]);
    assert.ok(!all.includes('envd-token') && !all.includes('traffic-token'), all);
    assert.equal(toSandboxWire(rec, viewer).trafficAccessToken, null);
  });

  it('sandbox:execute gets both tokens; sandbox:connect alone only the traffic token', () => {
    assert.deepEqual(grantOf('developer'), { envd: true, traffic: true });
    const connectOnly = tokenGrant(expandPermissions(['sandbox:read', 'sandbox:connect']));
    assert.deepEqual(connectOnly, { envd: false, traffic: true });
    const w = toSandboxWire(rec, connectOnly);
    assert.equal('envdAccessToken' in w, false);
    assert.equal(w.trafficAccessToken, 'traffic-token');
    const d = toSandboxDetailWire(rec, grantOf('developer'));
    assert.equal(d.envdAccessToken, 'envd-token');
    assert.equal(d.trafficAccessToken, 'traffic-token');
    assert.deepEqual(d.network, { allowPublicTraffic: false });
  });

  it('the creating request gets both tokens', () => {
    const w = toSandboxWire(rec, CREATOR_GRANT);
    assert.equal(w.envdAccessToken, 'envd-token');
    assert.equal(w.trafficAccessToken, 'traffic-token');
    const pub = toSandboxWire({ ...rec, trafficToken: null }, CREATOR_GRANT);
    assert.equal(pub.trafficAccessToken, null);
    assert.deepEqual(toSandboxDetailWire({ ...rec, trafficToken: null }, CREATOR_GRANT).network, {
      allowPublicTraffic: true,
    });
  });
});
