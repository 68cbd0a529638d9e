// A minimal DER writer (X.690): just what a certificate signing request needs. Each helper
// returns the full TLV bytes, so structures nest by plain composition.

function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(content);
  return Buffer.concat([Uint8Array.of(tag), length(body.length), body]);
}

export const sequence = (...items: Uint8Array[]) => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]) => tlv(0x31, ...items);
export const nullValue = () => Uint8Array.of(0x05, 0x00);
export const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
export const octetString = (b: Uint8Array) => tlv(0x04, b);
/** A BIT STRING of whole bytes (no unused bits), as signatures and keys are. */
export const bitString = (b: Uint8Array) => tlv(0x03, Uint8Array.of(0), b);
/** Context-specific tag [n]: constructed (explicit or a SET/SEQUENCE) or primitive (implicit string). */
export const context = (n: number, constructed: boolean, ...content: Uint8Array[]) =>
  tlv((constructed ? 0xa0 : 0x80) | n, ...content);

export function integer(n: number): Uint8Array {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

/** An OBJECT IDENTIFIER from its dotted form ("2.5.4.3"). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * (arcs[0] as number) + (arcs[1] as number)];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}
