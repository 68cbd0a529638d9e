// Received fields read into hops: real-world styles, and the properties (never throws; what
// receivedValue writes reads back).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReceived, receivedValue, traceRoute } from '../../src/smtp/index.js';

/** A field value as a header gives it: unfolded. */
const unfold = (s: string) => s.replace(/\r?\n[ \t]+/g, ' ').trim();

describe('parseReceived: real-world fields', () => {
  it('Postfix, with rdns and an IPv4 literal', () => {
    const v = unfold(`from mail.example.org (mail.example.org [198.51.100.25])
	(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
	 key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)
	(No client certificate requested)
	by mx.example.net (Postfix) with ESMTPS id 4Tq1bV0Zp3z9sSL
	for <ann@example.net>; Fri,  1 Mar 2024 10:00:02 +0100 (CET)`);
    expect(parseReceived(v)).toEqual({
      from: 'mail.example.org',
      rdns: 'mail.example.org',
      ip: '198.51.100.25',
      by: 'mx.example.net',
      with: 'ESMTPS',
      id: '4Tq1bV0Zp3z9sSL',
      for: 'ann@example.net',
      date: '2024-03-01T09:00:02.000Z',
    });
  });

  it('Postfix, unknown client, IPv6 literal, authenticated', () => {
    const v =
      'from [192.168.1.20] (unknown [IPv6:2001:db8::7]) (Authenticated sender: ann) by mail.example.org (Postfix) with ESMTPSA id 9XyZ; Fri, 1 Mar 2024 11:00:00 +0100';
    expect(parseReceived(v)).toEqual({
      from: '[192.168.1.20]',
      ip: '2001:db8::7',
      by: 'mail.example.org',
      with: 'ESMTPSA',
      id: '9XyZ',
      date: '2024-03-01T10:00:00.000Z',
    });
  });

  it('Exim, with port, helo= and envelope-from comments', () => {
    const v = unfold(`from mail.example.com ([203.0.113.9]:41234 helo=smtp.example.com)
	by mx.example.net with esmtps  (TLS1.3) tls TLS_AES_256_GCM_SHA384
	(Exim 4.96)
	(envelope-from <bob@example.com>)
	id 1rg0Xa-00A1b2-3C
	for ann@example.net; Fri, 01 Mar 2024 10:00:05 +0000`);
    expect(parseReceived(v)).toEqual({
      from: 'mail.example.com',
      ip: '203.0.113.9',
      by: 'mx.example.net',
      with: 'esmtps',
      id: '1rg0Xa-00A1b2-3C',
      for: 'ann@example.net',
      date: '2024-03-01T10:00:05.000Z',
    });
  });

  it('Exim, a bare address literal after from', () => {
    expect(
      parseReceived(
        'from [198.51.100.3] (helo=foo) by mx.example.net with smtp (Exim 4.94) id 1abc; Sat, 2 Mar 2024 00:00:00 +0000',
      ),
    ).toMatchObject({
      from: '[198.51.100.3]',
      ip: '198.51.100.3',
      by: 'mx.example.net',
      with: 'smtp',
      id: '1abc',
    });
  });

  it('Gmail, inbound and internal', () => {
    const inbound = unfold(`from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])
        by mx.google.com with SMTPS id a640c23a62f3a-a44e6b3b3c5sor1234567ab.5.2024.03.01.02.00.02
        for <ann@gmail.com>
        (Google Transport Security);
        Fri, 01 Mar 2024 02:00:02 -0800 (PST)`);
    expect(parseReceived(inbound)).toEqual({
      from: 'mail-sor-f41.google.com',
      rdns: 'mail-sor-f41.google.com',
      ip: '209.85.220.41',
      by: 'mx.google.com',
      with: 'SMTPS',
      id: 'a640c23a62f3a-a44e6b3b3c5sor1234567ab.5.2024.03.01.02.00.02',
      for: 'ann@gmail.com',
      date: '2024-03-01T10:00:02.000Z',
    });
    const internal =
      'by 2002:a05:6a10:8c0d:b0:5a3:1234:5678 with SMTP id l13csp123456pxx; Fri, 1 Mar 2024 02:00:03 -0800 (PST)';
    expect(parseReceived(internal)).toEqual({
      by: '2002:a05:6a10:8c0d:b0:5a3:1234:5678',
      with: 'SMTP',
      id: 'l13csp123456pxx',
      date: '2024-03-01T10:00:03.000Z',
    });
  });

  it('Exchange Online: bare IPv6 in the TCP-info, a multi-word protocol, via', () => {
    const v = unfold(`from AM6PR08MB1234.eurprd08.prod.outlook.com (2603:10a6:20b:100::12) by
 DB9PR08MB5678.eurprd08.prod.outlook.com (2603:10a6:10:2b0::9) with Microsoft SMTP
 Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id
 15.20.7316.39 via Frontend Transport; Fri, 1 Mar 2024 10:00:01 +0000`);
    expect(parseReceived(v)).toEqual({
      from: 'AM6PR08MB1234.eurprd08.prod.outlook.com',
      ip: '2603:10a6:20b:100::12',
      by: 'DB9PR08MB5678.eurprd08.prod.outlook.com',
      via: 'Frontend',
      with: 'Microsoft SMTP Server',
      id: '15.20.7316.39',
      date: '2024-03-01T10:00:01.000Z',
    });
  });

  it('sendmail, with an ident and "may be forged"', () => {
    const v = unfold(`from relay.example.com (bob@relay.example.com [192.0.2.44] (may be forged))
	by mx.example.net (8.17.1/8.17.1) with ESMTP id 421A02xq012345
	for <ann@example.net>; Fri, 1 Mar 2024 05:00:02 -0500`);
    expect(parseReceived(v)).toEqual({
      from: 'relay.example.com',
      rdns: 'relay.example.com',
      ip: '192.0.2.44',
      by: 'mx.example.net',
      with: 'ESMTP',
      id: '421A02xq012345',
      for: 'ann@example.net',
      date: '2024-03-01T10:00:02.000Z',
    });
  });

  it('qmail: HELO comment and a bare IP; "invoked by" fields', () => {
    expect(
      parseReceived(
        'from unknown (HELO mail.example.org) (198.51.100.8) by mx.example.net with SMTP; 1 Mar 2024 10:00:09 -0000',
      ),
    ).toEqual({
      from: 'unknown',
      ip: '198.51.100.8',
      by: 'mx.example.net',
      with: 'SMTP',
      date: '2024-03-01T10:00:09.000Z',
    });
    expect(parseReceived('(qmail 12345 invoked by uid 89); 1 Mar 2024 10:00:08 -0000')).toEqual({
      date: '2024-03-01T10:00:08.000Z',
    });
  });

  it('local delivery: LMTP, no from, semicolons in comments', () => {
    expect(
      parseReceived(
        'by imap.example.net (Dovecot; ann) with LMTP id kQ3x (envelope-from <b@x.org>) for <ann@example.net>; Fri, 1 Mar 2024 10:00:10 +0000',
      ),
    ).toEqual({
      by: 'imap.example.net',
      with: 'LMTP',
      id: 'kQ3x',
      for: 'ann@example.net',
      date: '2024-03-01T10:00:10.000Z',
    });
  });

  it('broken and partial fields give what can be read', () => {
    expect(parseReceived('')).toEqual({});
    expect(parseReceived('garbage')).toEqual({});
    expect(parseReceived('from ((( by')).toEqual({});
    expect(parseReceived('from a.example by b.example')).toEqual({ from: 'a.example', by: 'b.example' });
    expect(parseReceived('from a.example; not a date')).toEqual({ from: 'a.example' });
    expect(parseReceived('FROM A.example BY B.example WITH http; Fri, 1 Mar 2024 10:00:00 GMT')).toEqual({
      from: 'A.example',
      by: 'B.example',
      with: 'http',
      date: '2024-03-01T10:00:00.000Z',
    });
  });
});

describe('traceRoute', () => {
  it('goes oldest first with delays, negative ones kept, undated hops skipped', () => {
    const route = traceRoute([
      'by c.example with LMTP; Fri, 1 Mar 2024 10:00:05 +0000',
      'from b.example by c.example with ESMTP',
      'from b.example by c.example with ESMTP; Fri, 1 Mar 2024 10:00:10 +0000',
      'from a.example by b.example with ESMTPSA; Fri, 1 Mar 2024 10:00:00 +0000',
    ]);
    expect(route.map((h) => [h.hop, h.from, h.by, h.delay])).toEqual([
      [1, 'a.example', 'b.example', undefined],
      [2, 'b.example', 'c.example', 10],
      [3, 'b.example', 'c.example', undefined],
      [4, undefined, 'c.example', -5],
    ]);
  });
});

describe('properties', () => {
  it('never throws on any string', () => {
    const pieces = fc.constantFrom(
      'from',
      'by',
      'via',
      'with',
      'id',
      'for',
      '(',
      ')',
      '[',
      ']',
      '<',
      '>',
      '"',
      '\\',
      ';',
      ' ',
      'IPv6:',
      '::',
      '1.2.3.4',
      'Fri, 1 Mar 2024 10:00:00 +0000',
      'x',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.array(pieces).map((a) => a.join('')),
        ),
        (s) => {
          const h = parseReceived(s);
          expect(typeof h).toBe('object');
          traceRoute([s, s]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads back what receivedValue writes', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    // Host names end with an alphabetic top-level label.
    const host = fc
      .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/))
      .map(([a, tld]) => [...a, tld].join('.'));
    const ip = fc.oneof(fc.ipV4(), fc.ipV6());
    fc.assert(
      fc.property(
        fc.record({
          helo: fc.oneof(
            host,
            ip.map((a) => (a.includes(':') ? `[IPv6:${a}]` : `[${a}]`)),
          ),
          ip,
          rdns: fc.option(host, { nil: undefined }),
          by: host,
          esmtp: fc.boolean(),
          tls: fc.boolean(),
          authenticated: fc.boolean(),
          smtputf8: fc.boolean(),
          id: fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,16}$/), { nil: undefined }),
          for: fc.option(fc.record({ local: label, domain: host }), { nil: undefined }),
          date: fc.date({
            min: new Date('1970-01-01T00:00:00Z'),
            max: new Date('9999-12-31T23:59:59Z'),
            noInvalidDate: true,
          }),
        }),
        (info) => {
          const h = parseReceived(receivedValue(info));
          expect(h.from).toBe(info.helo);
          expect(h.ip).toBe(info.ip);
          expect(h.rdns).toBe(info.rdns);
          expect(h.by).toBe(info.by);
          expect(h.with).toMatch(/^(SMTP|E?SMTPS?A?|UTF8SMTPS?A?)$/);
          expect(h.id).toBe(info.id);
          expect(h.for).toBe(info.for && `${info.for.local}@${info.for.domain}`);
          expect(h.date).toBe(new Date(Math.floor(info.date.getTime() / 1000) * 1000).toISOString());
        },
      ),
      { numRuns: 500 },
    );
  });
});
