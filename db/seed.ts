import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { users, type UserRole } from '@/db/schema';
import { recordAudit } from '@/jobs/audit';
import { createAccount } from '@/lib/accounts';
import { dataDir, env } from '@/lib/env';
import { osUserName } from '@/lib/os-user';

/**
 * On the first start (no accounts yet), creates an admin, a user and an auditor. Passwords come from
 * ADMIN_PASSWORD / USER_PASSWORD / AUDITOR_PASSWORD, or are generated and printed this once.
 */
export async function seedFirstAccounts(db: Db, print: (line: string) => void): Promise<void> {
  const config = env();
  const wanted: { role: UserRole; email: string; password?: string; variable: string }[] = [
    { role: 'admin', email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, variable: 'ADMIN_PASSWORD' },
    { role: 'user', email: config.USER_EMAIL, password: config.USER_PASSWORD, variable: 'USER_PASSWORD' },
    { role: 'auditor', email: config.AUDITOR_EMAIL, password: config.AUDITOR_PASSWORD, variable: 'AUDITOR_PASSWORD' },
  ];
  const created = await db.transaction(async (tx) => {
    // Serialise concurrent first starts; only the one that finds no accounts creates them.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('jobs-console:seed'))`);
    const [existing] = await tx.select({ count: sql<number>`count(*)::int` }).from(users);
    if ((existing?.count ?? 0) > 0) return [];
    const lines: string[] = [];
    for (const account of wanted) {
      const password = account.password ?? crypto.randomBytes(15).toString('base64url');
      const user = await createAccount(tx, { email: account.email, role: account.role, password });
      await recordAudit(tx, {
        viewer: { kind: 'cli', osUser: osUserName() },
        action: 'user.create',
        source: { origin: 'cli' },
        details: { email: user.email, role: user.role, firstStart: true },
      });
      lines.push(
        `  ${account.role.padEnd(8)} ${account.email.padEnd(28)} ${account.password ? `(password from ${account.variable})` : password}`,
      );
    }
    return lines;
  });
  if (created.length > 0) {
    print('Created the first accounts. Passwords are shown this once; keep them somewhere safe:');
    for (const line of created) print(line);
    print('More accounts: npm run jobs -- user add <email> --role user|admin|auditor');
  }
}

/** AUTH_SECRET, or one generated on the first start and kept in the data folder. */
export function ensureAuthSecret(): string {
  const fromEnv = env().AUTH_SECRET;
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir(), 'auth-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir(), { recursive: true });
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process was first
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}
