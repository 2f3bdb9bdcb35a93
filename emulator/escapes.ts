// Text a user types for COM1 on a command line (kt boot --send, kt debug's `send`).

/** C-style escapes \n \r \t \e \0 \\ \xHH; any other backslash stays as it is. */
export function unescapeSend(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|[nrte0\\])/g, (_, e: string) =>
    e[0] === "x" ? String.fromCharCode(parseInt(e.slice(1), 16)) : ({ n: "\n", r: "\r", t: "\t", e: "\x1b", "0": "\0", "\\": "\\" } as Record<string, string>)[e]);
}
