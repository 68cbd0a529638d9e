# python3-dkim (dkimpy) for test/interop/dkim.test.ts: reads {"records": {name: txt},
# "jobs": [...]} as JSON on stdin and writes one JSON result per job. Keys come from the
# records (no real DNS). Jobs: {"op": "verify", "msg": b64} -> {"ok": bool, "error": str};
# {"op": "sign", "msg": b64, "domain", "selector", "key" (PKCS#1 PEM or base64 Ed25519
# seed), "alg", "canon": "header/body"} -> {"msg": b64 of the signed message}.
import base64
import json
import sys

import dkim

req = json.load(sys.stdin)
records = {k.lower().rstrip('.') + '.': v.encode() for k, v in req['records'].items()}


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    return records.get(name.lower().rstrip('.') + '.')


out = []
for job in req['jobs']:
    msg = base64.b64decode(job['msg'])
    if job['op'] == 'verify':
        try:
            d = dkim.DKIM(msg)
            ok = bool(d.verify(dnsfunc=dnsfunc))
            out.append({'ok': ok, 'error': '' if ok else str(getattr(d, 'logger', ''))})
        except Exception as e:  # noqa: BLE001
            out.append({'ok': False, 'error': repr(e)})
    else:
        h, b = job['canon'].split('/')
        try:
            sig = dkim.sign(
                msg,
                job['selector'].encode(),
                job['domain'].encode(),
                job['key'].encode(),
                canonicalize=(h.encode(), b.encode()),
                signature_algorithm=job['alg'].encode(),
                linesep=b'\r\n',
            )
            out.append({'msg': base64.b64encode(sig + msg).decode()})
        except Exception as e:  # noqa: BLE001
            out.append({'error': repr(e)})
json.dump(out, sys.stdout)
