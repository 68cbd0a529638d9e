// Exit codes in the sysexits tradition of mail tools (docs/exit-codes.md): an MTA that
// runs a poste pipe reads 75 as "try again later" and the 6x codes as permanent failures.
export const EXIT = Object.freeze({
  ok: 0,
  /** A negative verdict: the check ran and said no (spam, DKIM fail, header not found). */
  verdict: 1,
  usage: 64,
  dataErr: 65,
  noInput: 66,
  unavailable: 69,
  software: 70,
  tempFail: 75,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure a command reports as one line on stderr and an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
