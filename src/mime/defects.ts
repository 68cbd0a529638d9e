// Defects: what the tolerant parser noticed and worked around, in the spirit of Python's
// email.errors. A defect is a value, never an exception: bad mail still parses.

export type DefectCode =
  | 'unknown-charset'
  | 'bad-encoded-word'
  | 'bad-address'
  | 'bad-date'
  | 'bad-message-id'
  | 'bad-params'
  | 'bad-header-line'
  | 'header-too-long'
  | 'line-too-long'
  | 'bare-line-ending'
  | 'eight-bit-header'
  | 'missing-header-separator'
  | 'missing-boundary'
  | 'missing-start-boundary'
  | 'missing-end-boundary'
  | 'nesting-too-deep'
  | 'bad-base64'
  | 'bad-quoted-printable'
  | 'bad-uuencode'
  | 'unknown-encoding'
  | 'truncated';

export interface Defect {
  code: DefectCode;
  message: string;
  /** Part path ("" for the top level, "1.2" for the second child of the first part). */
  part?: string;
}

export function defect(code: DefectCode, message: string, part?: string): Defect {
  return part === undefined ? { code, message } : { code, message, part };
}
