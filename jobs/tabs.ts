/** The jobs page's views. */
export const jobTabs = ['all', 'active', 'failed'] as const;
export type JobsTab = (typeof jobTabs)[number];
