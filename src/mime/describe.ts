// A message's structure as data (what `poste descr --json` prints), computed in one
// streaming pass: bodies are transfer-decoded and hashed as they go by, never held.
import { createHash, type Hash } from 'node:crypto';
import { mailboxes, parseAddressList } from './address.js';
import { parseDate } from './date.js';
import type { Defect } from './defects.js';
import { decodeUnstructured } from './encoded-word.js';
import type { Header } from './header.js';
import { parseMessageIds } from './message-id.js';
import { parseContentDisposition } from './params.js';
import type { MimeHandler, PartInfo } from './parser.js';
import { type BodyDecoder, createBodyDecoder, isKnownEncoding, malformedBody } from './transfer.js';

export interface AddressDescription {
  name: string;
  address: string;
}

export interface PartDescription {
  /** "" for the top level, "1.2" for the second child of the first part. */
  path: string;
  type: string;
  params: Record<string, string>;
  encoding: string;
  disposition: string | null;
  filename: string | null;
  /** Leaves only: size and SHA-256 (hex) of the body after transfer decoding. */
  size?: number;
  sha256?: string;
  /** Multiparts: the children; message/rfc822: the enclosed message's root. */
  parts?: PartDescription[];
}

export interface MessageDescription {
  headers: {
    subject: string | null;
    from: AddressDescription[];
    to: AddressDescription[];
    cc: AddressDescription[];
    /** ISO 8601 in UTC, or null when absent or unreadable. */
    date: string | null;
    messageId: string | null;
  };
  root: PartDescription;
  defects: Defect[];
}

function addresses(header: Header, name: string): AddressDescription[] {
  const out: AddressDescription[] = [];
  for (const v of header.getAll(name)) {
    for (const m of mailboxes(parseAddressList(v).items)) out.push({ name: m.name, address: m.address });
  }
  return out;
}

/** The decoded summary fields of a top-level header. */
export function describeHeaders(header: Header): MessageDescription['headers'] {
  const subject = header.get('subject');
  const date = header.get('date');
  const parsedDate = date === undefined ? null : parseDate(date);
  const id = header.get('message-id');
  return {
    subject: subject === undefined ? null : decodeUnstructured(subject).text,
    from: addresses(header, 'from'),
    to: addresses(header, 'to'),
    cc: addresses(header, 'cc'),
    date: parsedDate ? parsedDate.date.toISOString() : null,
    messageId: id === undefined ? null : (parseMessageIds(id)[0] ?? null),
  };
}

interface Open {
  node: PartDescription;
  decoder?: BodyDecoder;
  hash?: Hash;
}

/** A parser handler that builds the description as the message streams by. */
export function createDescriber(): MimeHandler & { result(): MessageDescription } {
  const defects: Defect[] = [];
  const stack: Open[] = [];
  let root: PartDescription | undefined;
  let headers: MessageDescription['headers'] | undefined;
  return {
    partStart(info: PartInfo) {
      const cd = info.header.get('content-disposition');
      const disp = cd === undefined ? undefined : parseContentDisposition(cd);
      const filename = disp?.params.filename ?? info.params.name ?? null;
      const node: PartDescription = {
        path: info.path,
        type: info.type,
        params: info.params,
        encoding: info.encoding,
        disposition: disp ? disp.disposition : null,
        filename,
      };
      const open: Open = { node };
      if (info.kind === 'leaf') {
        if (!isKnownEncoding(info.encoding)) {
          defects.push({
            code: 'unknown-encoding',
            message: `unknown Content-Transfer-Encoding "${info.encoding}"`,
            part: info.path,
          });
        }
        open.decoder = createBodyDecoder(info.encoding);
        open.hash = createHash('sha256');
        node.size = 0;
      } else node.parts = [];
      const parent = stack[stack.length - 1];
      if (parent) parent.node.parts?.push(node);
      else {
        root = node;
        headers = describeHeaders(info.header);
      }
      stack.push(open);
    },
    body(_info, data) {
      const top = stack[stack.length - 1] as Open;
      const out = (top.decoder as BodyDecoder).update(data);
      (top.hash as Hash).update(out);
      top.node.size = (top.node.size ?? 0) + out.length;
    },
    partEnd(info: PartInfo) {
      const top = stack.pop() as Open;
      if (top.decoder && top.hash) {
        const out = top.decoder.finish();
        top.hash.update(out);
        top.node.size = (top.node.size ?? 0) + out.length;
        top.node.sha256 = top.hash.digest('hex');
        if (top.decoder.malformed) defects.push(malformedBody(info.encoding, info.path));
      }
    },
    defect(d: Defect) {
      defects.push(d);
    },
    result(): MessageDescription {
      if (!root || !headers) throw new Error('parser produced no part');
      return { headers, root, defects };
    },
  };
}
