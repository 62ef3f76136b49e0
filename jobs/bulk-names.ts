// The bulk actions and their names, with no server code: the jobs page's bar imports them too.

export const bulkActions = ['cancel', 'stop', 'force-stop', 'retry', 'priority', 'clear'] as const;
export type BulkAction = (typeof bulkActions)[number];

export const bulkActionNames: Record<BulkAction, string> = {
  cancel: 'Cancel',
  stop: 'Stop',
  'force-stop': 'Force stop',
  retry: 'Retry',
  priority: 'Change priority',
  clear: 'Clear',
};

/** The id of the jobs page's bulk-action form, which the row checkboxes belong to. */
export const BULK_FORM_ID = 'bulk-actions';
