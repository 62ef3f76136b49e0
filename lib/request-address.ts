/**
 * The client's address for the audit trail: the first X-Forwarded-For entry (set by `next start`, or
 * by a reverse proxy in front of it), else X-Real-IP. Behind no trusted proxy a client can forge it,
 * so it is a record, never an access control.
 */
export function addressOf(headers: Headers): string | null {
  const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  const address = forwarded || headers.get('x-real-ip')?.trim() || null;
  return address ? address.slice(0, 100) : null;
}
