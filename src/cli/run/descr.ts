// `poste descr`: the MIME tree of an email, streamed.
import { createDescriber, type PartDescription } from '../../mime/index.js';
import { writeStdout } from '../io.js';
import { streamMessage } from '../message-input.js';

export interface DescrInput {
  flags: { json?: boolean | undefined };
}

export async function runDescr({ flags }: DescrInput): Promise<void> {
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
