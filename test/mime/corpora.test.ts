// Every message of the conformance corpora parses without a throw, serializes back byte for
// byte, and describes in one streaming pass.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { createDescriber, createParser, parseMessage, serialize } from '../../src/mime/index.js';
import { describeWithTestdata } from '../helpers/testdata.js';
import { filesUnder } from '../interop/helpers.js';

for (const area of ['mime', 'spam']) {
  describeWithTestdata(`the ${area} corpus`, [area], (dir) => {
    const files = filesUnder(dir, /./).filter(
      (f) => !/\.(json|xml|tsv|md|yml|ya?ml|LICENSE.*|COPYING.*|NOTICE.*)$/i.test(f),
    );
    it(`parses, re-serializes byte for byte and describes all ${files.length} files`, () => {
      expect(files.length).toBeGreaterThan(area === 'spam' ? 6000 : 300);
      const failures: string[] = [];
      for (const f of files) {
        const bytes = readFileSync(f);
        const { root } = parseMessage(bytes);
        if (!Buffer.from(serialize(root)).equals(bytes)) failures.push(`${f}: round trip differs`);
        const d = createDescriber();
        const p = createParser(d);
        // Odd chunk sizes, to exercise the streaming paths on real mail.
        for (let o = 0; o < bytes.length; o += 977) p.push(bytes.subarray(o, o + 977));
        p.end();
        d.result();
      }
      expect(failures).toEqual([]);
    });
  });
}
