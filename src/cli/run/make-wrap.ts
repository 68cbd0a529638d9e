// `poste make wrap`: the body of an email into a multipart.
import { serialize, wrapMultipart } from '../../mime/index.js';
import { writeStdout } from '../io.js';
import { readMessage } from '../message-input.js';
import { randomSource } from '../random.js';

export interface MakeWrapInput {
  flags: {
    mixed?: boolean | undefined;
    alternative?: boolean | undefined;
    related?: boolean | undefined;
    parallel?: boolean | undefined;
    seed?: string | undefined;
  };
}

export async function runMakeWrap({ flags }: MakeWrapInput): Promise<void> {
  const subtype = flags.alternative
    ? 'alternative'
    : flags.related
      ? 'related'
      : flags.parallel
        ? 'parallel'
        : 'mixed';
  const { root } = await readMessage();
  await writeStdout(serialize(wrapMultipart(root, subtype, randomSource(flags.seed))));
}
