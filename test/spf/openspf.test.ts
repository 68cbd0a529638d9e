// The OpenSPF suites through the in-memory Resolver: every scenario and every test of the
// RFC 7208 suite, and the RFC 4408 suite but for the tests whose rule RFC 7208 changed.
import { describe, expect, it } from 'vitest';
import { describeWithTestdata } from '../helpers/testdata.js';
import { accepted, loadSuite, memoryResolver, runTest, type Scenario } from './openspf.js';

/**
 * Explanations compared without regard to case, and why. The suite writes %{i} of an IPv6
 * client in upper-case nibbles (its reference implementation's rendering); RFC 7208 §7.4's
 * example expands it in lower case, which we follow. The text is otherwise the same.
 */
const CASE_INSENSITIVE_EXPLANATION: Record<string, string> = {
  'v-macro-ip6': '%{i} nibbles: upper case in the suite, lower case in RFC 7208 §7.4',
};

function suite(
  name: string,
  file: string[],
  size: { scenarios: number; tests: number },
  skip: Record<string, string> = {},
) {
  describeWithTestdata(name, file, (path) => {
    const scenarios: Scenario[] = loadSuite(path);
    for (const s of scenarios) {
      describe(s.description, () => {
        for (const [id, t] of Object.entries(s.tests)) {
          if (id in skip) {
            // A listed test must still disagree with its old expectation, or the entry is stale.
            it(`${id} (RFC 7208 changed the rule: ${skip[id]})`, async () => {
              const r = await runTest(t, memoryResolver(s));
              expect(accepted(t), `${id} passes under RFC 7208 rules: remove it from the list`).not.toContain(
                r.result,
              );
            });
            continue;
          }
          it(id, async () => {
            const r = await runTest(t, memoryResolver(s));
            expect(accepted(t), `${id}: got ${r.result} (${r.reason})`).toContain(r.result);
            if (t.explanation !== undefined) {
              if (id in CASE_INSENSITIVE_EXPLANATION)
                expect(r.explanation?.toLowerCase()).toBe(t.explanation.toLowerCase());
              else expect(r.explanation).toBe(t.explanation);
            }
          });
        }
      });
    }
    it(`has ${size.scenarios} scenarios and ${size.tests} tests, every listed exception among them`, () => {
      const ids = scenarios.flatMap((s) => Object.keys(s.tests));
      expect({ scenarios: scenarios.length, tests: ids.length }).toEqual(size);
      expect(Object.keys(skip).filter((id) => !ids.includes(id))).toEqual([]);
    });
  });
}

suite('OpenSPF RFC 7208 suite (in-memory resolver)', ['spf', 'rfc7208-tests.yml'], {
  scenarios: 16,
  tests: 203,
});

/**
 * RFC 4408 tests whose expected result RFC 7208 changed, with the reason; each must still
 * fail under RFC 7208 rules, or its entry is stale. None is needed with this copy of the
 * suite (pyspf's: release 2009.10 and later edits), because wherever RFC 7208 changed a
 * rule, the test accepts the RFC 7208 result beside the RFC 4408 one. RFC7208_CHOICE pins
 * those tests to the RFC 7208 result.
 */
const RFC4408_CHANGED: Record<string, string> = {};

/** RFC 4408 tests that accept several results, one of which RFC 7208 made the rule. */
const RFC7208_CHOICE: Record<string, [result: string, why: string]> = {
  txtonly: ['fail', 'type SPF is no longer looked up (§3.1, §4.4): the TXT record decides'],
  spfonly: ['none', 'type SPF is no longer looked up: no TXT record, no policy'],
  spftimeout: ['fail', 'type SPF is no longer looked up: its timeout does not matter'],
  txttimeout: ['temperror', 'only TXT is looked up, and it times out'],
  nospftxttimeout: ['temperror', 'only TXT is looked up, and it times out'],
  spfoverride: ['fail', 'type SPF is no longer looked up: the TXT record decides'],
  multitxt1: ['permerror', 'two SPF records among the TXT records (§4.5)'],
  multispf2: ['pass', 'the two type SPF records are not looked at; one TXT record decides'],
  'mx-limit': ['permerror', 'more than 10 MX records is a permerror (§4.6.4)'],
  'exists-dnserr': ['temperror', 'a DNS error is a temperror (§5), not a no-match'],
  'cidr6-0-ip4': ['neutral', 'an IPv4 client never matches ip6 (§5)'],
  'cidr6-ip4': ['neutral', 'an IPv4-mapped client is IPv4, never matched by ip6 (§5)'],
};

describeWithTestdata('OpenSPF RFC 4408 suite: the RFC 7208 choices', ['spf', 'rfc4408-tests.yml'], (path) => {
  const tests = new Map(
    loadSuite(path).flatMap((s) => Object.entries(s.tests).map(([id, t]) => [id, { s, t }] as const)),
  );
  for (const [id, [result, why]] of Object.entries(RFC7208_CHOICE)) {
    it(`${id}: ${result} (${why})`, async () => {
      const found = tests.get(id);
      if (!found) throw new Error(`${id} is not in the suite`);
      const { s, t } = found;
      // An entry is worth keeping only while the suite tolerates more than the RFC 7208 result.
      expect(accepted(t)).toContain(result);
      expect(accepted(t).length, `${id} now accepts only one result`).toBeGreaterThan(1);
      expect((await runTest(t, memoryResolver(s))).result).toBe(result);
    });
  }
});

suite(
  'OpenSPF RFC 4408 suite (in-memory resolver)',
  ['spf', 'rfc4408-tests.yml'],
  { scenarios: 15, tests: 191 },
  RFC4408_CHANGED,
);
