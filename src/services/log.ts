// One structured line per event, on standard error: what a service did, machine-readable
// (JSON with a timestamp, the service and the event name) and grep-able.
export type LogFields = Record<string, string | number | boolean | undefined | null | string[]>;

export type Logger = (event: string, fields?: LogFields) => void;

export function createLogger(service: string, write: (line: string) => void = defaultWrite): Logger {
  return (event, fields = {}) => {
    write(`${JSON.stringify({ t: new Date().toISOString(), service, event, ...fields })}\n`);
  };
}

function defaultWrite(line: string): void {
  process.stderr.write(line);
}

/** A logger that drops everything (tests, embedded use). */
export const silentLogger: Logger = () => {};
