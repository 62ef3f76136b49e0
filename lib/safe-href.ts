/** A link target safe to render: http(s) URLs and paths on this site only (never `javascript:` and the like). */
export function safeHref(value: string | null | undefined): string | null {
  if (!value) return null;
  // Browsers read `/\host` like `//host`: another site.
  if (value.startsWith('/')) return value.startsWith('//') || value.startsWith('/\\') ? null : value;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}
