import { Flags } from '@oclif/core';
import { PosteCommand } from '../cli/base-command.js';
import { writeStdout } from '../cli/io.js';
import { streamMessage } from '../cli/message-input.js';
import { createDescriber, type PartDescription } from '../mime/index.js';

export default class Descr extends PosteCommand {
  static override summary = 'Describe the structure of an email';
  static override description =
    'Reads an email on standard input and prints its MIME tree: each part with its path, media type, ' +
    'disposition, file name and decoded size. The email is streamed, so any size works. With --json, ' +
    'prints the structure documented in docs/commands/descr.md, with the SHA-256 of each decoded body.';
  static override examples = [
    '<%= config.bin %> descr < message.eml',
    `<%= config.bin %> descr --json < message.eml | jq '.root.parts[].type'`,
  ];
  static override flags = {
    json: Flags.boolean({ description: 'print the structure as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Descr);
    const describer = createDescriber();
    await streamMessage(describer);
    const d = describer.result();
    if (flags.json) {
      await writeStdout(`${JSON.stringify(d, null, 2)}\n`);
      return;
    }
    const lines: string[] = [];
    const walk = (p: PartDescription, depth: number) => {
      const bits = [`${'  '.repeat(depth)}${p.path || '0'}`, p.type];
      if (p.params.charset) bits.push(`charset=${p.params.charset}`);
      if (p.disposition) bits.push(p.disposition);
      if (p.filename) bits.push(JSON.stringify(p.filename));
      if (p.size !== undefined) bits.push(`${p.size} bytes`);
      lines.push(bits.join('  '));
      for (const c of p.parts ?? []) walk(c, depth + 1);
    };
    walk(d.root, 0);
    for (const defect of d.defects)
      lines.push(`defect: ${defect.part ? `part ${defect.part}: ` : ''}${defect.message}`);
    await writeStdout(`${lines.join('\n')}\n`);
  }
}
