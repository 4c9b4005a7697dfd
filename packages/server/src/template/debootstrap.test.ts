import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDebootstrapProgressMapper,
  createDebootstrapStatusParser,
  type DebootstrapEvent,
  formatDebootstrapMessage,
} from './debootstrap.js';

/** Abridged fd-3 output of `debootstrap --debian-installer --variant=minbase bookworm`. */
const SAMPLE = `I: ARCHEXEC
IF: Target architecture can be executed
P: 0 100 DOWNREL
PF: Downloading Release file
I: RETRIEVING
IA: InRelease
IA: 
IF: Retrieving %s %s
P: 33 100
P: 100 100 DOWNREL
PF: Downloading Release file
P: 0 50060337 DOWNPKGS
PF: Downloading Packages files
P: 25030168 50060337
P: 50060337 50060337 DOWNPKGS
PF: Downloading Packages files
P: 88 88 SIZEDEBS
PF: Finding package sizes
P: 0 31870120 DOWNDEBS
PF: Downloading packages
I: RETRIEVING
IA: adduser
IA: 3.134
IF: Retrieving %s %s
I: VALIDATING
IA: adduser
IA: 3.134
IF: Validating %s %s
I: RETRIEVING
IA: apt
IA: 2.6.1
IF: Retrieving %s %s
P: 15935060 31870120
P: 2 88 EXTRACTPKGS
PF: Extracting packages
I: EXTRACTING
IA: apt
IF: Extracting %s...
P: 3 7 INSTCORE
PF: Installing core packages
P: 5 88 UNPACKREQ
PF: Unpacking required packages
I: UNPACKING
IA: base-passwd
IF: Unpacking %s...
P: 89 88 CONFREQ
PF: Configuring required packages
I: CONFIGURING
IA: libc-bin
IF: Configuring %s...
W: SOMEWARN
WA: x
WF: careful with %s
E: COULDNTDL
EA: libc6
EF: Couldn't download package %s
I: BASESUCCESS
IF: Base system installed successfully.`.split('\n');

function parseAll(lines: readonly string[]): DebootstrapEvent[] {
  const events: DebootstrapEvent[] = [];
  const parse = createDebootstrapStatusParser((e) => events.push(e));
  for (const line of lines) parse(line);
  return events;
}

describe('debootstrap status protocol', () => {
  it('formats printf-style messages', () => {
    assert.equal(formatDebootstrapMessage('Retrieving %s %s', ['libc6', '2.36']), 'Retrieving libc6 2.36');
    assert.equal(formatDebootstrapMessage('100%% of %s', ['x']), '100% of x');
    assert.equal(formatDebootstrapMessage('missing %s', []), 'missing ');
  });

  it('parses info, progress (named and bare), warning and error messages', () => {
    const events = parseAll(SAMPLE);
    assert.deepEqual(events[0], {
      kind: 'info',
      id: 'ARCHEXEC',
      args: [],
      message: 'Target architecture can be executed',
    });
    assert.deepEqual(events[1], {
      kind: 'progress',
      id: 'DOWNREL',
      now: 0,
      end: 100,
      message: 'Downloading Release file',
    });
    assert.deepEqual(events[2], {
      kind: 'info',
      id: 'RETRIEVING',
      args: ['InRelease', ''],
      message: 'Retrieving InRelease ',
    });
    assert.deepEqual(events[3], {
      kind: 'progress',
      id: 'DOWNREL',
      now: 33,
      end: 100,
      message: 'Downloading Release file',
    });
    assert.ok(events.some((e) => e.kind === 'warning' && e.message === 'careful with x'));
    assert.ok(events.some((e) => e.kind === 'error' && e.message === "Couldn't download package libc6"));
  });

  it('maps events to per-package counts and a rising percentage', () => {
    const map = createDebootstrapProgressMapper();
    const out = parseAll(SAMPLE).map(map);
    const messages = out.map((p) => p?.message);
    assert.ok(messages.includes('retrieving package index'));
    assert.ok(messages.includes('retrieving 1/88 adduser 3.134'));
    assert.ok(messages.includes('validating 1/88 adduser 3.134'));
    assert.ok(messages.includes('retrieving 2/88 apt 2.6.1'));
    assert.ok(messages.includes('extracting 2/88 apt'));
    assert.ok(messages.includes('installing core packages 3/7'));
    assert.ok(messages.includes('unpacking 5/88 base-passwd'));
    assert.ok(messages.includes('configuring 88/88 libc-bin'), 'the count never passes the total');
    const percents = out.flatMap((p) => (p?.percent === undefined ? [] : [p.percent]));
    assert.ok(percents.every((p) => p >= 0 && p <= 100));
    for (let i = 1; i < percents.length; i++)
      assert.ok((percents[i] ?? 0) >= (percents[i - 1] ?? 0), 'monotonic');
  });
});
