/** What a trunk's own pages and emails show besides the trunk: its DIDs and SIP servers, in display order. */
export const trunkDetailsInclude = {
  dids: { orderBy: { number: "asc" } },
  servers: { include: { server: true }, orderBy: { server: { hostname: "asc" } } },
} as const;

/** A trunk as staff pages, emails and shared pages load it: its details and its customer. */
export const trunkInclude = { customer: true, ...trunkDetailsInclude } as const;
