// The author fields of a message (RFC 5322 §3.6.2), read from its top-level header with the
// streaming MIME parser: only the header block is fed to it, so the body is never parsed.
import { createParser, type Header, mailboxes, parseAddressList } from '../../mime/index.js';

export interface Authors {
  /** How many From fields there are (RFC 5322 wants exactly one). */
  fromFields: number;
  /** Every mailbox of the From fields, as addr-specs ("" for a mailbox without one). */
  from: string[];
  /** The Sender mailboxes (normally none or one). */
  sender: string[];
}

/** The bytes of the header block, blank line included (the whole message when it has no body). */
function headerBlock(message: Uint8Array): Uint8Array {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  const ends = [crlf < 0 ? -1 : crlf + 4, lf < 0 ? -1 : lf + 2].filter((n) => n >= 0);
  return ends.length === 0 ? message : message.subarray(0, Math.min(...ends));
}

/** The top-level header of a message. */
export function topHeader(message: Uint8Array): Header | undefined {
  let header: Header | undefined;
  const parser = createParser({
    partStart(part) {
      if (part.path === '') header = part.header;
    },
  });
  parser.push(headerBlock(message));
  parser.end();
  return header;
}

export function authors(message: Uint8Array): Authors {
  const header = topHeader(message);
  const list = (name: string) =>
    (header?.getAll(name) ?? []).flatMap((v) => mailboxes(parseAddressList(v).items).map((m) => m.address));
  return { fromFields: header?.getAll('from').length ?? 0, from: list('from'), sender: list('sender') };
}
