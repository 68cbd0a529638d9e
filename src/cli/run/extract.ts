// `poste extract`: the decoded content of one part, streamed.
import { type BodyDecoder, createBodyDecoder, createParser, type PartInfo } from '../../mime/index.js';
import { CliError, EXIT } from '../exit-codes.js';
import { stdinChunks } from '../io.js';

export interface ExtractInput {
  flags: { part: string };
}

export async function runExtract({ flags }: ExtractInput): Promise<void> {
  const want = flags.part === '0' ? '' : flags.part.replace(/^0\./, '');
  if (!/^([1-9][0-9]*(\.[1-9][0-9]*)*)?$/.test(want))
    throw new CliError(EXIT.usage, `--part: not a part path: ${flags.part}`);
  const pending: Uint8Array[] = [];
  let found: PartInfo | undefined;
  let decoder: BodyDecoder | undefined;
  let raw = false;
  let depthInside = 0;
  let done = false;
  const emitRaw = (d: Uint8Array) => {
    if (raw && depthInside > 0) pending.push(Uint8Array.prototype.slice.call(d));
  };
  const parser = createParser({
    partStart(info) {
      if (done) return;
      // IMAP numbering: "1" of a single-part message is its body.
      const match = info.path === want || (want === '1' && info.path === '' && info.kind === 'leaf');
      if (!found && match) {
        found = info;
        if (info.kind === 'leaf') decoder = createBodyDecoder(info.encoding);
        else raw = true;
        depthInside = 1; // the part's own header is not its content
        return;
      }
      if (found && depthInside > 0) {
        depthInside++;
        if (raw) {
          for (const f of info.header.fields) if (f.raw) pending.push(Uint8Array.prototype.slice.call(f.raw));
          pending.push(Uint8Array.prototype.slice.call(info.separator));
        }
      }
    },
    body(_info, data) {
      if (decoder && depthInside === 1) pending.push(Uint8Array.prototype.slice.call(decoder.update(data)));
      else emitRaw(data);
    },
    preamble: (_i, d) => emitRaw(d),
    epilogue: (_i, d) => emitRaw(d),
    delimiter: (_i, d) => emitRaw(d),
    partEnd() {
      if (!found || depthInside === 0) return;
      depthInside--;
      if (depthInside === 0) {
        if (decoder) pending.push(decoder.finish());
        done = true;
      }
    },
  });
  const flush = async () => {
    for (const c of pending.splice(0)) {
      if (c.length && !process.stdout.write(c)) await new Promise((r) => process.stdout.once('drain', r));
    }
  };
  for await (const chunk of stdinChunks()) {
    parser.push(chunk);
    await flush();
    if (done) break;
  }
  if (!done) parser.end();
  await flush();
  if (!found) throw new CliError(EXIT.verdict, `no part ${flags.part} in this message`);
  await new Promise<void>((r) => process.stdout.write('', () => r()));
}
