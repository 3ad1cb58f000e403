/** The SDK's default when LANGFUSE_BASE_URL is not set. */
export const LANGFUSE_CLOUD_URL = "https://cloud.langfuse.com";

export interface TraceLinkSettings {
  /** Where the service sends traces (inside docker compose: http://langfuse-web:3000). */
  baseUrl?: string;
  /** Where a person opens Langfuse, when it differs from baseUrl (from the host: http://localhost:3000). */
  uiUrl?: string;
  /** With the project id the link opens the trace directly; without it Langfuse redirects `/trace/<id>`. */
  projectId?: string;
}

/**
 * The URL of a trace in the Langfuse UI. `/project/<projectId>/traces/<traceId>` is the page itself;
 * `/trace/<traceId>` is Langfuse's redirect to it, which looks the project up (after a login).
 */
export function traceLink(settings: TraceLinkSettings, traceId: string): string {
  const origin = (settings.uiUrl ?? settings.baseUrl ?? LANGFUSE_CLOUD_URL).replace(/\/+$/, "");
  const id = encodeURIComponent(traceId);
  return settings.projectId ? `${origin}/project/${encodeURIComponent(settings.projectId)}/traces/${id}` : `${origin}/trace/${id}`;
}
