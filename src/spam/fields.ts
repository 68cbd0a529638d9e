// The X-Spam-* header fields our verdict is written as, shared by `poste spam classify` and
// the filter service: X-Spam-Status (verdict, score, cutoff, model id, and why else it is
// flagged), X-Spam-Score and X-Spam-Flag, in the line ending of the message.
import { type Classification, DEFAULT_CLASSIFIER_OPTIONS } from './classify.js';

export interface SpamFieldOptions {
  /** "\r\n" (default) or "\n", as the message has them. */
  eol?: string;
  /** Flag the message whatever the classifier said (a DMARC quarantine); said in X-Spam-Status. */
  alsoFlaggedFor?: string;
}

export function spamFields(r: Classification, modelId: string, o: SpamFieldOptions = {}): string {
  const eol = o.eol ?? '\r\n';
  const required = DEFAULT_CLASSIFIER_OPTIONS.spamCutoff.toFixed(2);
  const score = r.score.toFixed(4);
  const flagged = r.verdict === 'spam' || o.alsoFlaggedFor !== undefined;
  return (
    `X-Spam-Status: ${flagged ? 'Yes' : 'No'}, verdict=${r.verdict} score=${score}` +
    ` required=${required} model=${modelId}${o.alsoFlaggedFor ? ` ${o.alsoFlaggedFor}` : ''}${eol}` +
    `X-Spam-Score: ${score}${eol}` +
    `X-Spam-Flag: ${flagged ? 'YES' : 'NO'}${eol}`
  );
}
