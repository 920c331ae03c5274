/** Badge colours of an import's status, on the imports list and an import's page. */
export const IMPORT_STATUS_COLORS = {
  INVALID: "red",
  READY: "amber",
  RUNNING: "amber",
  COMPLETED: "green",
  CANCELLED: "slate",
} as const;
