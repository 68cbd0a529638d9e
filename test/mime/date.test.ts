import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDate, parseDate } from '../../src/mime/date.js';
import { describeWithTestdata, readTestdata } from '../helpers/testdata.js';

/** Instant and offset of a parse, for compact assertions. */
function read(value: string): [string, number] | null {
  const r = parseDate(value);
  return r === null ? null : [r.date.toISOString(), r.offsetMinutes];
}

describe('parseDate: RFC 5322 examples', () => {
  it('reads the Appendix A dates', () => {
    expect(read('Fri, 21 Nov 1997 09:55:06 -0600')).toEqual(['1997-11-21T15:55:06.000Z', -360]);
    expect(read('Tue, 1 Jul 2003 10:52:37 +0200')).toEqual(['2003-07-01T08:52:37.000Z', 120]);
    expect(read('Thu, 13 Feb 1969 23:32:54 -0330')).toEqual(['1969-02-14T03:02:54.000Z', -210]);
  });
  it('reads A.5 (white space and comments), unfolded', () => {
    expect(read('Thu,   13    Feb      1969    23:32      -0330 (Newfoundland Time)')).toEqual([
      '1969-02-14T03:02:00.000Z',
      -210,
    ]);
  });
  it('reads A.6.3 (obsolete: 2-digit year, GMT)', () => {
    expect(read('21 Nov 97 09:55:06 GMT')).toEqual(['1997-11-21T09:55:06.000Z', 0]);
  });
});

describe('parseDate: obsolete syntax (RFC 5322 §4.3)', () => {
  it('maps 2-digit years 00-49 to 20xx, 50-99 to 19xx, 3-digit years to 19xx', () => {
    expect(read('1 Jan 49 00:00:00 +0000')?.[0]).toBe('2049-01-01T00:00:00.000Z');
    expect(read('1 Jan 50 00:00:00 +0000')?.[0]).toBe('1950-01-01T00:00:00.000Z');
    expect(read('1 Jan 103 00:00:00 +0000')?.[0]).toBe('2003-01-01T00:00:00.000Z');
    expect(read('1 Jan 0050 00:00:00 +0000')?.[0]).toBe('0050-01-01T00:00:00.000Z');
  });
  it('knows the US zones', () => {
    const z = (name: string) => parseDate(`1 Jan 2000 00:00:00 ${name}`)?.offsetMinutes;
    expect([z('UT'), z('GMT'), z('EST'), z('EDT'), z('CST'), z('CDT')]).toEqual([
      0, 0, -300, -240, -360, -300,
    ]);
    expect([z('MST'), z('MDT'), z('PST'), z('PDT'), z('pdt')]).toEqual([-420, -360, -480, -420, -420]);
  });
  it('reads military letters, unknown names, -0000 and no zone as -0 (UTC, local zone unknown)', () => {
    for (const zone of ['A', 'Z', 'm', 'XYZ', '-0000', '']) {
      const r = parseDate(`1 Jan 2000 12:00:00 ${zone}`);
      expect(r?.date.toISOString()).toBe('2000-01-01T12:00:00.000Z');
      expect(Object.is(r?.offsetMinutes, -0), zone).toBe(true);
    }
    expect(Object.is(parseDate('1 Jan 2000 12:00:00 +0000')?.offsetMinutes, 0)).toBe(true);
  });
  it('tolerates missing seconds and the leap second', () => {
    expect(read('1 Jan 2000 12:34 +0100')).toEqual(['2000-01-01T11:34:00.000Z', 60]);
    expect(read('31 Dec 2016 23:59:60 +0000')?.[0]).toBe('2017-01-01T00:00:00.000Z');
  });
});

describe('parseDate: lenient forms seen in the wild', () => {
  const want = ['2003-07-01T08:52:37.000Z', 120];
  it.each([
    'tue, 01 jul 2003 10:52:37 +0200',
    'Tuesday, 1 July 2003 10:52:37 +0200',
    'Tue 1 Jul 2003 10:52:37 +0200',
    '  Tue,  1  Jul  2003  10.52.37  +0200  ',
    'Tue, 1 Jul 2003 10:52:37 +0200 (CEST) and then some junk',
    'Tue, 01-Jul-2003 10:52:37 +0200',
    'Tuesday, 01-Jul-03 10:52:37 +0200',
    'Tue, 1 Jul 2003 10:52:37 CEST',
    'Tue, 1 Jul 2003 10:52:37 GMT+0200',
    'Tue, 1 Jul 2003 10:52:37 +02',
    'Tue, 1 Jul 2003 (a (nested) comment) 10:52:37 +0200',
    'Tue Jul  1 10:52:37 CEST 2003',
    'Tue Jul  1 10:52:37 2003 +0200',
    'Jul 1 2003 10:52:37 +0200',
    '2003-07-01T10:52:37+02:00',
    '2003-07-01 10:52:37.123 +0200',
    'from mx.example.org by mail.example.net; Tue, 1 Jul 2003 10:52:37 +0200',
  ])('%s', (value) => {
    expect(read(value)).toEqual(want);
  });
  it('reads ISO "Z" as UTC (+0), not as a military zone', () => {
    expect(Object.is(parseDate('2003-07-01T08:52:37Z')?.offsetMinutes, 0)).toBe(true);
  });
  it('reads asctime without a zone as -0000', () => {
    const r = parseDate('Tue Jul  1 08:52:37 2003');
    expect(r?.date.toISOString()).toBe('2003-07-01T08:52:37.000Z');
    expect(Object.is(r?.offsetMinutes, -0)).toBe(true);
  });
});

describe('parseDate: nothing sensible', () => {
  it.each([
    '',
    '   ',
    'garbage',
    'Tue, 31 Feb 2003 10:52:37 +0200',
    'Tue, 29 Feb 2003 10:52:37 +0200',
    'Tue, 1 Jul 2003 24:00:00 +0200',
    'Tue, 1 Jul 2003 10:60:00 +0200',
    'Tue, 1 Jul 2003 10:00:61 +0200',
    'Tue, 0 Jul 2003 10:00:00 +0200',
    'Tue, 1 Xyz 2003 10:00:00 +0200',
    'Tue, 1 Jul 10000 10:00:00 +0200',
    'Tue, 1 Jul 2003',
    'Tue, 1 Jul 2003 (unterminated 10:52:37 +0200',
  ])('%j', (value) => {
    expect(parseDate(value)).toBeNull();
  });
  it('accepts 29 Feb in leap years only', () => {
    expect(parseDate('29 Feb 2000 00:00:00 +0000')).not.toBeNull();
    expect(parseDate('29 Feb 1900 00:00:00 +0000')).toBeNull();
  });
  it('never throws', () => {
    const dateish = fc.string({
      unit: fc.constantFrom(
        ...' ,:.+-()\\0123456789JanFebTueGMTZ'.split(''),
        '1 Jul 2003',
        '10:52:37',
        '-0330',
      ),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), dateish), (s) => {
        const r = parseDate(s);
        if (r !== null) expect(Number.isFinite(r.date.getTime())).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatDate', () => {
  it('writes the RFC 5322 form', () => {
    expect(formatDate(new Date(Date.UTC(1969, 1, 14, 3, 2, 54)), -210)).toBe(
      'Thu, 13 Feb 1969 23:32:54 -0330',
    );
    expect(formatDate(new Date(Date.UTC(2003, 6, 1, 8, 52, 37, 999)), 120)).toBe(
      'Tue, 1 Jul 2003 10:52:37 +0200',
    );
    expect(formatDate(new Date(Date.UTC(2003, 6, 1, 8, 52, 37)))).toBe('Tue, 1 Jul 2003 08:52:37 +0000');
    expect(formatDate(new Date(Date.UTC(2003, 6, 1, 8, 52, 37)), -0)).toBe('Tue, 1 Jul 2003 08:52:37 -0000');
    expect(formatDate(new Date(Date.UTC(2003, 6, 1, 8, 52, 37)), 1439)).toBe(
      'Wed, 2 Jul 2003 08:51:37 +2359',
    );
  });
  it('throws RangeError for misuse', () => {
    expect(() => formatDate(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => formatDate(new Date(0), 1440)).toThrow(RangeError);
    expect(() => formatDate(new Date(0), 1.5)).toThrow(RangeError);
    expect(() => formatDate(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
  });
  it('round-trips: parseDate(formatDate(d, off)) gives the instant (to the second) and the offset', () => {
    const min = Date.UTC(1900, 0, 2);
    const max = Date.UTC(9999, 11, 30);
    fc.assert(
      fc.property(fc.integer({ min, max }), fc.integer({ min: -1439, max: 1439 }), (ms, off) => {
        const r = parseDate(formatDate(new Date(ms), off));
        expect(r?.date.getTime()).toBe(Math.floor(ms / 1000) * 1000);
        expect(r?.offsetMinutes).toBe(off);
      }),
      { numRuns: 5000 },
    );
  });
});

// Conformance: Stalwart mail-parser's date vectors (SOURCES.md). `header` is the raw value
// up to the end of the field; our header layer hands over the unfolded value.
interface StalwartDate {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  tz_before_gmt: boolean;
  tz_hour: number;
  tz_minute: number;
}

/** What the header layer gives us: the field up to its end, unfolded (RFC 5322 §2.2.3). */
function fieldValue(raw: string): string {
  const end = raw.search(/\n(?![ \t])/);
  return (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n(?=[ \t])/g, '').replace(/\r$/, '');
}

// Where we deliberately differ, with what we return instead.
const DIFFERS: Record<string, { ours: [string, number] | null; why: string }> = {
  ' 4 8 15 16 23 42, 4 8 15 16 23 42, 4 8 15 16 23 42, ': {
    ours: null,
    why: 'Stalwart reads "16 23 42" as a time and "4" as zone +0004; with no hh:mm anywhere we read no date',
  },
  'Thu, 10 Jul 1997 14:53:31 A': {
    ours: ['1997-07-10T14:53:31.000Z', -0],
    why: 'same instant; a military zone is -0000 (RFC 5322 §4.3), Stalwart says +0000',
  },
  'Thu, 10 Jul 1997 14:53:31 ZZZZ': {
    ours: ['1997-07-10T14:53:31.000Z', -0],
    why: 'same instant; an unknown zone is -0000 (RFC 5322 §4.3), Stalwart says +0000',
  },
};

describeWithTestdata(
  'parseDate: stalwart-mail-parser date.json',
  ['mime', 'stalwart-mail-parser', 'date.json'],
  () => {
    const vectors = JSON.parse(
      readTestdata('mime', 'stalwart-mail-parser', 'date.json').toString('utf8'),
    ) as {
      header: string;
      expected: StalwartDate | null;
    }[];
    it('has the vectors', () => expect(vectors.length).toBe(40));
    it.each(vectors.map((v, i) => [i, v.header, v.expected] as const))('#%i %j', (_i, header, expected) => {
      const got = parseDate(fieldValue(header));
      const diff = DIFFERS[header];
      if (diff !== undefined) {
        expect(read(fieldValue(header))).toEqual(diff.ours);
        if (diff.ours !== null) expect(Object.is(got?.offsetMinutes, diff.ours[1])).toBe(true);
        return;
      }
      if (expected === null) {
        expect(got).toBeNull();
        return;
      }
      const off = (expected.tz_before_gmt ? -1 : 1) * (expected.tz_hour * 60 + expected.tz_minute);
      const local = Date.UTC(
        expected.year,
        expected.month - 1,
        expected.day,
        expected.hour,
        expected.minute,
        expected.second,
      );
      expect(got?.date.getTime()).toBe(local - off * 60_000);
      expect(got?.offsetMinutes).toBe(off);
    });
  },
);
