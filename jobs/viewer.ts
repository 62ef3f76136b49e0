import type { UserRole } from '@/db/schema';

/** A signed-in person; id and role always come from the session and the users table, never from input. */
export interface PersonViewer {
  kind: 'person';
  id: string;
  email: string;
  role: UserRole;
}

/**
 * Whoever runs the command line on the server. Having the database, they see every job and may
 * launch any task, but like an admin they clear only jobs started from the command line.
 */
export interface CliViewer {
  kind: 'cli';
  osUser: string;
}

export type Viewer = PersonViewer | CliViewer;

/** How the viewer is named in the audit trail and on the jobs page. */
export function viewerLabel(viewer: Viewer): string {
  return viewer.kind === 'person' ? viewer.email : `${viewer.osUser} (cli)`;
}

/** The role written to the audit trail. */
export function viewerRole(viewer: Viewer): string {
  return viewer.kind === 'person' ? viewer.role : 'cli';
}
