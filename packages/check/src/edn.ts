/**
 * A reader for the subset of EDN that Jepsen/Knossos histories use: maps, vectors, lists, sets,
 * keywords, symbols, strings, integers, floats, nil/true/false, `;` comments, commas as whitespace,
 * and `#tag value` (the tag is dropped). Errors name the line and column and what was expected.
 */
export type EdnValue =
  null | boolean | number | string | EdnKeyword | EdnValue[] | Map<EdnValue, EdnValue> | EdnSet;

export class EdnKeyword {
  constructor(readonly name: string) {}
  toString(): string {
    return ':' + this.name;
  }
}

export class EdnSet {
  constructor(readonly items: EdnValue[]) {}
}

export class EdnError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'EdnError';
  }
}

const DELIMITERS = new Set(['(', ')', '[', ']', '{', '}', '"', ';']);

/** Deeper nesting than this is refused (no history needs it; reading it would overflow the stack). */
export const MAX_EDN_DEPTH = 1_000;

export class EdnReader {
  private at = 0;
  private line = 1;
  private column = 1;
  private depth = 0;

  constructor(private readonly text: string) {}

  private fail(message: string): never {
    throw new EdnError(message, this.line, this.column);
  }

  private advance(): string {
    const ch = this.text[this.at++] as string;
    if (ch === '\n') {
      this.line++;
      this.column = 1;
    } else this.column++;
    return ch;
  }

  private skipSpace(): void {
    while (this.at < this.text.length) {
      const ch = this.text[this.at] as string;
      if (ch === ';') {
        while (this.at < this.text.length && this.text[this.at] !== '\n') this.advance();
      } else if (ch === ',' || /\s/.test(ch)) this.advance();
      else break;
    }
  }

  /** True when only whitespace and comments remain. */
  atEnd(): boolean {
    this.skipSpace();
    return this.at >= this.text.length;
  }

  get position(): { line: number; column: number } {
    return { line: this.line, column: this.column };
  }

  read(): EdnValue {
    if (++this.depth > MAX_EDN_DEPTH) this.fail(`values nested deeper than ${MAX_EDN_DEPTH} levels`);
    const value = this.readValue();
    this.depth--;
    return value;
  }

  private readValue(): EdnValue {
    this.skipSpace();
    if (this.at >= this.text.length) this.fail('unexpected end of input, expected a value');
    const ch = this.text[this.at] as string;
    switch (ch) {
      case '[':
        this.advance();
        return this.readSequence(']');
      case '(':
        this.advance();
        return this.readSequence(')');
      case '{': {
        this.advance();
        const items = this.readSequence('}');
        if (items.length % 2 !== 0) this.fail('a map needs an even number of forms');
        const map = new Map<EdnValue, EdnValue>();
        for (let i = 0; i < items.length; i += 2)
          map.set(keyOf(items[i] as EdnValue), items[i + 1] as EdnValue);
        return map;
      }
      case '"':
        return this.readString();
      case '#': {
        this.advance();
        if (this.text[this.at] === '{') {
          this.advance();
          return new EdnSet(this.readSequence('}'));
        }
        this.readToken(); // a tag such as #jepsen.history.Op: keep the tagged value
        return this.read();
      }
      case ')':
      case ']':
      case '}':
        this.fail(`unexpected '${ch}'`);
      // falls through (fail never returns)
      default:
        return this.readAtom();
    }
  }

  private readSequence(close: string): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.at >= this.text.length) this.fail(`unexpected end of input, expected '${close}'`);
      if (this.text[this.at] === close) {
        this.advance();
        return items;
      }
      items.push(this.read());
    }
  }

  private readString(): string {
    this.advance();
    let out = '';
    for (;;) {
      if (this.at >= this.text.length) this.fail('unterminated string');
      const ch = this.advance();
      if (ch === '"') return out;
      if (ch === '\\') {
        const escaped = this.advance();
        out += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped === 'r' ? '\r' : escaped;
      } else out += ch;
    }
  }

  private readToken(): string {
    let token = '';
    while (this.at < this.text.length) {
      const ch = this.text[this.at] as string;
      if (ch === ',' || /\s/.test(ch) || DELIMITERS.has(ch)) break;
      token += this.advance();
    }
    return token;
  }

  private readAtom(): EdnValue {
    const token = this.readToken();
    if (token === '') this.fail(`unexpected '${this.text[this.at]}'`);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token.startsWith(':')) {
      if (token.length === 1) this.fail('empty keyword');
      return new EdnKeyword(token.slice(1));
    }
    if (/^[-+]?\d+N?$/.test(token)) return Number(token.replace(/N$/, ''));
    if (/^[-+]?(\d+\.\d*|\d*\.\d+|\d+)([eE][-+]?\d+)?M?$/.test(token)) return Number(token.replace(/M$/, ''));
    return token; // a symbol: kept as its name
  }
}

/** Map keys compare by identity in JS; keywords are interned by name so lookups work. */
const keywords = new Map<string, EdnKeyword>();
function keyOf(value: EdnValue): EdnValue {
  if (value instanceof EdnKeyword) {
    let interned = keywords.get(value.name);
    if (!interned) keywords.set(value.name, (interned = value));
    return interned;
  }
  return value;
}

export function keyword(name: string): EdnKeyword {
  return keyOf(new EdnKeyword(name)) as EdnKeyword;
}

/** Plain JS data for EDN: keywords become their names, maps objects (string keys), sets arrays. */
export function ednToPlain(value: EdnValue): unknown {
  if (value instanceof EdnKeyword) return value.name;
  if (value instanceof EdnSet) return value.items.map(ednToPlain);
  if (Array.isArray(value)) return value.map(ednToPlain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(ednToPlain(k))] = ednToPlain(v);
    return out;
  }
  return value;
}
