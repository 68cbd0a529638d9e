// Removing forged Authentication-Results (RFC 8601 §5): a receiver deletes every such field
// of the header that claims its own authserv-id before it adds its own. Streamed, byte-exact
// for all else: a field is held only until its name, then its authserv-id, says whose it is;
// ours is dropped as it goes, others pass through. The body is not looked at.

/** Misuse or a limit crossed (a field whose authserv-id is not known after `maxHeldBytes`). */
export class AuthResError extends Error {
  override name = 'AuthResError';
  readonly code: 'field-too-long' | 'bad-option';
  constructor(code: AuthResError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface AuthResFilterOptions {
  /** Bytes of a field held before its owner is known (default 1 MiB). */
  maxHeldBytes?: number;
}

export interface AuthResFilter {
  /** The bytes to pass on for this chunk (views of it, or held bytes released). */
  push(chunk: Uint8Array): Uint8Array[];
  /** What is still held, at the end of the message. */
  end(): Uint8Array[];
  /** Fields removed so far. */
  readonly countRemoved: number;
}

const NAME = 'authentication-results';
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz{|}~")
  TOKEN[c.charCodeAt(0)] = 1;

enum S {
  LineStart, // at the start of a header line
  LineStartCr, // a CR there: the empty line, if an LF follows
  Name, // matching the field name against NAME
  NameWsp, // after the name, before ":"
  Cfws, // before the authserv-id
  Comment,
  CommentEscape,
  Token, // in a token authserv-id
  Quoted,
  QuotedEscape,
  Rest, // the owner is known: pass or drop to the end of the field
  Body,
}

type Fate = 'emit' | 'hold' | 'drop';

export function createAuthResFilter(authservId: string, opts: AuthResFilterOptions = {}): AuthResFilter {
  const ours = authservId.toLowerCase();
  if (ours === '') throw new AuthResError('bad-option', 'the authserv-id is empty');
  const maxHeld = opts.maxHeldBytes ?? 1024 * 1024;
  let state = S.LineStart;
  let afterLf = false; // the previous byte ended a line inside a field: is the next a fold?
  let resume = S.Rest; // the state a fold returns to
  let nameAt = 0;
  let depth = 0;
  let id = '';
  let fate: Fate = 'hold'; // of the current field's bytes
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let removed = 0;

  return {
    get countRemoved() {
      return removed;
    },
    push(chunk) {
      const out: Uint8Array[] = [];
      if (state === S.Body) {
        if (chunk.length > 0) out.push(chunk);
        return out;
      }
      let runStart = 0;
      let runFate: Fate = fate;
      const closeRun = (at: number) => {
        if (at > runStart) {
          const piece = chunk.subarray(runStart, at);
          if (runFate === 'emit') out.push(piece);
          else if (runFate === 'hold') {
            held.push(piece.slice());
            heldBytes += piece.length;
            if (heldBytes > maxHeld) {
              throw new AuthResError(
                'field-too-long',
                `a header field runs over ${maxHeld} bytes before its authserv-id is known`,
              );
            }
          }
        }
        runStart = at;
      };
      const setFate = (f: Fate, at: number) => {
        if (f === runFate && f === fate) return;
        closeRun(at);
        if (fate === 'hold' && f !== 'hold') {
          if (f === 'emit') out.push(...held);
          held = [];
          heldBytes = 0;
        }
        fate = f;
        runFate = f;
      };
      /** The owner of the field being read is decided: ours is dropped, others pass. */
      const decide = (isOurs: boolean, at: number) => {
        if (isOurs) removed++;
        setFate(isOurs ? 'drop' : 'emit', at);
        state = S.Rest;
      };
      const startLine = (at: number) => {
        setFate('hold', at);
        state = S.LineStart;
      };

      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i] as number;
        if (afterLf) {
          afterLf = false;
          if (c === 0x20 || c === 0x09)
            state = resume; // a fold: the field goes on
          else {
            // The field ended at the previous LF; one still undecided is not ours.
            if (fate === 'hold') decide(false, i);
            startLine(i);
          }
        }
        switch (state) {
          case S.LineStart:
            if (c === 0x0a) {
              setFate('emit', i);
              state = S.Body;
            } else if (c === 0x0d) state = S.LineStartCr;
            else if ((c | 0x20) === NAME.charCodeAt(0)) {
              state = S.Name;
              nameAt = 1;
            } else decide(false, i);
            break;
          case S.LineStartCr:
            if (c === 0x0a) {
              setFate('emit', i);
              state = S.Body;
            } else decide(false, i);
            break;
          case S.Name:
            if (nameAt === NAME.length) {
              if (c === 0x3a) {
                state = S.Cfws;
                id = '';
              } else if (c === 0x20 || c === 0x09) state = S.NameWsp;
              else decide(false, i);
            } else if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) === NAME.charCodeAt(nameAt)) nameAt++;
            else decide(false, i);
            break;
          case S.NameWsp:
            if (c === 0x3a) {
              state = S.Cfws;
              id = '';
            } else if (c !== 0x20 && c !== 0x09) decide(false, i);
            break;
          case S.Cfws:
            if (c === 0x28) {
              state = S.Comment;
              depth = 1;
            } else if (c === 0x22) state = S.Quoted;
            else if (TOKEN[c]) {
              state = S.Token;
              id = String.fromCharCode(c | (c >= 0x41 && c <= 0x5a ? 0x20 : 0));
            } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) decide(false, i);
            break;
          case S.Comment:
            if (c === 0x5c) state = S.CommentEscape;
            else if (c === 0x28) depth++;
            else if (c === 0x29 && --depth === 0) state = S.Cfws;
            break;
          case S.CommentEscape:
            state = S.Comment;
            break;
          case S.Token:
            if (TOKEN[c]) {
              if (id.length > ours.length) decide(false, i);
              else id += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
            } else decide(id === ours, i);
            break;
          case S.Quoted:
            if (c === 0x22) decide(id === ours, i);
            else if (c === 0x5c) state = S.QuotedEscape;
            else if (c !== 0x0d && c !== 0x0a) {
              if (id.length > ours.length) decide(false, i);
              else id += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
            }
            break;
          case S.QuotedEscape:
            id += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
            state = S.Quoted;
            break;
          case S.Rest:
            break;
          case S.Body:
            break;
        }
        if (state === S.Body) {
          closeRun(i + 1);
          if (i + 1 < chunk.length) out.push(chunk.subarray(i + 1));
          return out;
        }
        if (c === 0x0a) {
          // A line end inside a field (LineStart handled the empty line): a fold or the end.
          afterLf = true;
          resume = state === S.Name || state === S.NameWsp ? S.Rest : state;
          if (resume === S.Rest && fate === 'hold') decide(false, i + 1);
        }
      }
      closeRun(chunk.length);
      return out;
    },
    end() {
      const out: Uint8Array[] = [];
      if (fate === 'hold' && state !== S.Body) {
        const isOurs = state === S.Token && id === ours;
        if (isOurs) removed++;
        else out.push(...held);
        held = [];
        heldBytes = 0;
        fate = isOurs ? 'drop' : 'emit';
      }
      state = S.Body;
      return out;
    },
  };
}
