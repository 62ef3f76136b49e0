// The enums' values, with no database code: client components import them too.

export const userRoles = ['user', 'admin', 'auditor'] as const;
export const jobStatuses = ['scheduled', 'queued', 'running', 'retrying', 'completed', 'failed', 'cancelled'] as const;
export const activeJobStatuses = ['scheduled', 'queued', 'retrying', 'running'] as const;
export const inactiveJobStatuses = ['completed', 'failed', 'cancelled'] as const;
export const jobPriorities = ['critical', 'high', 'normal', 'low'] as const;
export const jobOrigins = ['web', 'cli', 'schedule', 'api'] as const;
export const logLevels = ['info', 'warning', 'error'] as const;
export const scheduleUnits = ['minutes', 'hours', 'days', 'months'] as const;

export type UserRole = (typeof userRoles)[number];
export type JobStatus = (typeof jobStatuses)[number];
export type JobPriority = (typeof jobPriorities)[number];
export type JobOrigin = (typeof jobOrigins)[number];
export type LogLevel = (typeof logLevels)[number];
export type ScheduleUnit = (typeof scheduleUnits)[number];
