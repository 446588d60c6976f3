/**
 * Splits an argument string the way a POSIX shell splits simple words, without expanding anything:
 * blanks separate words, '…' is literal, "…" keeps blanks and honours \" \\ \$ \`, and a backslash
 * outside quotes escapes the next character. Throws on an unterminated quote.
 */
export function splitArguments(input: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' quote at character ${i + 1}`);
      word += input.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < input.length && input[j] !== '"'; j++) {
        if (input[j] === '\\' && j + 1 < input.length && '"\\$`'.includes(input[j + 1]!)) j++;
        word += input[j];
      }
      if (j >= input.length) throw new Error(`unterminated " quote at character ${i + 1}`);
      inWord = true;
      i = j;
    } else if (ch === '\\') {
      if (i + 1 < input.length) word += input[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
