#!/usr/bin/python3
"""Describe emails the way `poste descr --json` does, with Python's email package.

Reads file paths (one per line) on stdin; prints one JSON object per line:
{"file", "root": Part} with Part = {"type", "encoding", "disposition", "filename",
"size", "sha256", "sha256_rfc", "parts"} (see docs/commands/descr.md).
sha256_rfc is the hash after removing whitespace before hard line breaks of
quoted-printable bodies (RFC 2045 6.7 rule 3), which Python keeps and poste drops.
Run with Debian's /usr/bin/python3.
"""
import datetime
import email
import email.policy
import hashlib
import json
import re
import sys

DESCENDED = ("message/rfc822", "message/global", "message/news")


def describe(part):
    ctype = part.get_content_type()
    cte = str(part.get("content-transfer-encoding", "7bit")).strip().lower() or "7bit"
    node = {
        "type": ctype,
        "encoding": cte,
        "disposition": part.get_content_disposition(),
        "filename": part.get_filename(),
    }
    if part.is_multipart():
        payload = part.get_payload()
        if ctype.startswith("multipart/"):
            node["parts"] = [describe(p) for p in payload]
        elif ctype in DESCENDED:
            node["parts"] = [describe(p) for p in payload[:1]]
        else:
            node["opaque"] = True  # message/delivery-status and the like: Python parses them, we do not
        return node
    data = part.get_payload(decode=True)
    if data is None:
        data = b""
    node["size"] = len(data)
    node["sha256"] = hashlib.sha256(data).hexdigest()
    # At the end of the input inside an unclosed multipart, Python drops the last line
    # break of the last part; poste keeps it. These hashes let the test see that case.
    node["sha256_eol"] = [hashlib.sha256(data + eol).hexdigest() for eol in (b"\n", b"\r\n")]
    if cte == "quoted-printable":
        data = re.sub(rb"[ \t]+(\r?\n)", rb"\1", data)
        data = re.sub(rb"[ \t]+$", b"", data)
    node["sha256_rfc"] = hashlib.sha256(data).hexdigest()
    return node


def text(s):
    """Python keeps raw 8-bit header bytes as surrogate escapes; RFC 6532 says they are UTF-8."""
    if s is None:
        return None
    try:
        return s.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return s


def addresses(msg, name):
    out = []
    for value in msg.get_all(name) or []:
        try:
            for a in value.addresses:
                out.append({"name": text(a.display_name), "address": text(a.addr_spec)})
        except Exception:  # noqa: BLE001 - a header Python cannot read
            out.append({"error": str(value)})
    return out


def message_id(value):
    """The id between the first angle brackets (the value may carry a comment)."""
    start = value.find("<")
    end = value.find(">", start + 1)
    if start >= 0 and end > start:
        return value[start + 1:end].replace(" ", "")
    return value.strip()


def headers(msg):
    date = None
    try:
        if msg["date"] is not None and msg["date"].datetime is not None:
            date = msg["date"].datetime.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    except Exception:  # noqa: BLE001
        date = "error"
    mid = msg["message-id"]
    return {
        "subject": None if msg["subject"] is None else text(str(msg["subject"])),
        "from": addresses(msg, "from"),
        "to": addresses(msg, "to"),
        "cc": addresses(msg, "cc"),
        "date": date,
        "messageId": None if mid is None else text(message_id(str(mid))),
    }


def all_defects(msg):
    out = [type(d).__name__ for d in msg.defects]
    if msg.is_multipart():
        for p in msg.get_payload():
            if hasattr(p, "defects"):
                out += all_defects(p)
    return out


def main():
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        with open(path, "rb") as f:
            raw = f.read()
        try:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            out = {"file": path, "root": describe(msg), "defects": all_defects(msg)}
            try:
                out["headers"] = headers(msg)
            except Exception as e:  # noqa: BLE001 - Python's header parser can fail on odd fields
                out["headers_error"] = f"{type(e).__name__}: {e}"
        except Exception as e:  # noqa: BLE001 - report, do not stop the run
            out = {"file": path, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
