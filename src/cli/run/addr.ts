// `poste addr`: the mailboxes of the address fields.
import { formatMailbox, mailboxes, parseAddressList } from '../../mime/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { writeStdout } from '../io.js';
import { readTopHeader } from '../message-input.js';

export const ADDRESS_FIELDS = ['from', 'sender', 'to', 'cc', 'bcc', 'reply-to'];

export interface AddrInput {
  flags: { 'address-only'?: boolean | undefined; field?: string[] | undefined; json?: boolean | undefined };
}

export async function runAddr({ flags }: AddrInput): Promise<void> {
  const wanted = (flags.field ?? ADDRESS_FIELDS).map((f) => f.toLowerCase());
  const header = await readTopHeader();
  const out: string[] = [];
  for (const f of header.fields) {
    const field = f.name.toLowerCase();
    if (!wanted.includes(field)) continue;
    for (const m of mailboxes(parseAddressList(f.value).items)) {
      if (flags.json) out.push(JSON.stringify({ field, name: m.name, address: m.address }));
      else out.push(flags['address-only'] || m.name === '' ? m.address : formatMailbox(m, { utf8: true }));
    }
  }
  if (out.length === 0) throw new CliError(EXIT.verdict, 'no addresses');
  await writeStdout(`${out.join('\n')}\n`);
}
