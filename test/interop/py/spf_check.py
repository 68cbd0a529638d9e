"""Runs python3-spf (pyspf) on SPF cases read as JSON on stdin, with DNS answered from each
case's own records, and prints one JSON result per case.

Input: [{"zone": {"name": [["TXT", ["strings", ...]] | ["A", "addr"] | ["AAAA", "addr"]
| ["MX", [pref, "host"]], ...]}, "ip": ..., "sender": ..., "helo": ...}, ...]
Output: [{"result": ..., "explanation": ...}, ...]

Names not in the zone do not exist (pyspf sees an empty answer, as it does for NXDOMAIN);
names listed in a case's "down" time out.
"""
import json
import sys

import spf

ZONE = {}
DOWN = set()


def lookup(name, qtype, *args, **kwargs):
    # pyspf's own DNS drivers return [((name, type), data)]; TXT data is a list of bytes.
    key = name.rstrip('.').lower()
    if key in DOWN:
        raise spf.TempError('DNS timeout')
    out = []
    for rtype, data in ZONE.get(key, []):
        if rtype != qtype:
            continue
        if rtype == 'TXT':
            data = [s.encode('utf-8') for s in data]
        elif rtype == 'MX':
            data = (data[0], data[1])
        out.append(((key, rtype), data))
    return out


spf.DNSLookup = lookup


def main():
    cases = json.load(sys.stdin)
    results = []
    for case in cases:
        ZONE.clear()
        ZONE.update({k.lower(): v for k, v in case['zone'].items()})
        DOWN.clear()
        DOWN.update(n.lower() for n in case.get('down', []))
        q = spf.query(i=case['ip'], s=case['sender'], h=case['helo'], receiver='receiver.test')
        result, _code, explanation = q.check()
        results.append({'result': result, 'explanation': explanation})
    json.dump(results, sys.stdout)


main()
