import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { CliError, EXIT } from '../cli/exit-codes.js';
import { stdinChunks } from '../cli/io.js';
import { type BodyDecoder, createBodyDecoder, createParser, type PartInfo } from '../mime/index.js';

export default class Extract extends PosteCommand {
  static override summary = 'Write the decoded content of one part';
  static override description =
    'Reads an email on standard input and writes the body of the part at PATH (as `poste descr` numbers ' +
    'them: 1.2 is the second part of the first part; 0 is the whole message) after transfer decoding, ' +
    'as bytes. For a multipart or message/rfc822 part, its body is written as it is in the message (the enclosed ' +
    'email, for message/rfc822). Streams: any size works.';
  static override examples = [
    '<%= config.bin %> extract --part 2 < message.eml > photo.png',
    '<%= config.bin %> descr < message.eml; <%= config.bin %> extract --part 1.1 < message.eml',
  ];
  static override flags = {
    part: Flags.string({ char: 'p', description: 'the part path, e.g. 1.2', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Extract);
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
            for (const f of info.header.fields)
              if (f.raw) pending.push(Uint8Array.prototype.slice.call(f.raw));
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
}
