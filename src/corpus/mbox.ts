// mbox (mboxrd, the variant that quotes ">From " lines reversibly): writing a corpus as one
// file and splitting one back into messages. Line ends are kept as they are in messages.

const FROM_LINE = 'From poste-corpus@localhost Thu Jan  1 00:00:00 1970\n';

function isFromLine(data: Uint8Array, i: number): boolean {
  // ">*From " at the start of a line.
  let j = i;
  while (data[j] === 0x3e) j++;
  return (
    data[j] === 0x46 &&
    data[j + 1] === 0x72 &&
    data[j + 2] === 0x6f &&
    data[j + 3] === 0x6d &&
    data[j + 4] === 0x20
  );
}

/** Messages to mboxrd: a From line before each, ">" added before ">*From " lines. */
export function toMbox(messages: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of messages) {
    parts.push(Buffer.from(FROM_LINE, 'latin1'));
    let start = 0;
    for (let i = 0; i < m.length; ) {
      if (isFromLine(m, i)) {
        parts.push(m.subarray(start, i), Buffer.from('>', 'latin1'));
        start = i;
      }
      const nl = m.indexOf(0x0a, i);
      if (nl < 0) break;
      i = nl + 1;
    }
    parts.push(m.subarray(start));
    // An empty line separates a message from the next From line.
    parts.push(Buffer.from(m[m.length - 1] === 0x0a ? '\n' : '\n\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/** Splits an mboxrd file into its messages (From lines dropped, ">" quoting undone). */
export function* splitMbox(data: Uint8Array): Generator<Uint8Array> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const starts: number[] = [];
  for (let i = 0; i < buf.length; ) {
    if (buf[i] === 0x46 && buf.toString('latin1', i, i + 5) === 'From ') starts.push(i);
    const nl = buf.indexOf(0x0a, i);
    if (nl < 0) break;
    i = nl + 1;
  }
  for (let k = 0; k < starts.length; k++) {
    const from = buf.indexOf(0x0a, starts[k]) + 1;
    let end = k + 1 < starts.length ? (starts[k + 1] as number) : buf.length;
    // The empty line before the next From line (or the end) belongs to the mbox.
    if (buf[end - 1] === 0x0a && buf[end - 2] === 0x0a) end--;
    else if (buf[end - 1] === 0x0a && buf[end - 2] === 0x0d && buf[end - 3] === 0x0a) end -= 2;
    const body = buf.subarray(from, end);
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < body.length; ) {
      if (body[i] === 0x3e && isFromLine(body, i)) {
        out.push(body.subarray(start, i));
        start = i + 1;
      }
      const nl = body.indexOf(0x0a, i);
      if (nl < 0) break;
      i = nl + 1;
    }
    out.push(body.subarray(start));
    yield Buffer.concat(out);
  }
}
