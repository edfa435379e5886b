/**
 * Reads the JSON object out of a model's answer, as small models write it: inside a Markdown
 * code fence, after a sentence of preamble, or with trailing commas. Returns undefined when
 * no reading parses; the feature's schema then decides whether what parsed is usable.
 */
export function parseModelJson(content: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(content);
  const text = (fenced ? fenced[1]! : content).trim();
  const attempts = [text];
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first >= 0 && last > first) attempts.push(text.slice(first, last + 1));
  for (const attempt of attempts) {
    for (const candidate of [attempt, withoutTrailingCommas(attempt)]) {
      try {
        return JSON.parse(candidate);
      } catch {
        // the next reading
      }
    }
  }
  return undefined;
}

/** `[1, 2,]` and `{"a": 1,}` are the commonest slips; a comma before a closing bracket goes. */
function withoutTrailingCommas(text: string): string {
  return text.replace(/,\s*([}\]])/g, "$1");
}
