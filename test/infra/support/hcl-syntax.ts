/**
 * The lexical side of HCL expressions as hcl2json leaves them (raw text inside "${...}"):
 * interpolations, matching brackets, quoted strings, and splitting at an operator or a comma
 * that is not nested.
 */

/** Splits a template into literal text and the expressions of its interpolations. */
export function templateParts(text: string): (string | { expression: string })[] {
  const parts: (string | { expression: string })[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 2;
    } else if (text.startsWith('${', i)) {
      const end = closing(text, i + 1);
      parts.push(literal, { expression: text.slice(i + 2, end).trim() });
      literal = '';
      i = end;
    } else literal += text[i];
  }
  return [...parts, literal].filter((p) => p !== '');
}

/** The index of the bracket closing the one at `open`, skipping quoted strings. */
export function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') i = endOfString(text, i);
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c) && --depth === 0) return i;
  }
  throw new Error(`unbalanced brackets in ${text}`);
}

export function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text.startsWith('${', i)) i = closing(text, i + 1);
    else if (text[i] === '"') return i;
  }
  throw new Error(`unterminated string in ${text}`);
}

/** The text outside brackets and strings (what is inside them blanked), to look for operators. */
export function depthZero(text: string): string {
  let outside = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = endOfString(text, i);
      outside += ' '.repeat(end - i + 1);
      i = end;
    } else {
      if (')]}'.includes(c)) depth--;
      outside += depth === 0 ? c : ' ';
      if ('([{'.includes(c)) depth++;
    }
  }
  return outside;
}

/** Splits at each occurrence of `token` outside brackets and strings. */
export function splitTopLevel(text: string, token: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') i = endOfString(text, i);
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && text.startsWith(token, i)) {
      parts.push(text.slice(start, i).trim());
      start = i + token.length;
      i += token.length - 1;
    }
  }
  return [...parts, text.slice(start).trim()];
}
