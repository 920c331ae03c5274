/**
 * The warning beside every SIP server hostname, on the portal's pages and in emails: the provider's server names are
 * case-sensitive (a wrong casing may register, but every call fails). Plain text, so client components use it too.
 */
export const CASE_WARNING = {
  headline: "The server name is case-sensitive.",
  detail:
    "Enter it exactly as shown — a different casing may still register, but every call will fail. Copy and paste it rather than typing it.",
} as const;
