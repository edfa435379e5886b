/**
 * How two facts' objects are compared (contracts/intelligence.md §4): lower case, articles and
 * trailing punctuation removed, whitespace collapsed. `has` counts things, so "1 cat" and "2 cats"
 * name one object: its objects also lose a plural "s".
 */
export function normalizeObject(object: string, predicate: string): string {
  let norm = object
    .toLowerCase()
    .replace(/[.!?,;:'"\s]+$/u, "")
    .replace(/\b(?:a|an|the)\b/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (predicate === "has" || predicate === "bought") norm = norm.replace(/(?<=\w{2})s\b/g, "");
  return norm;
}
