import { apiRequestHandler } from "@/lib/api";

// Every method goes to the one API handler (lib/api/handler.ts), which answers unknown methods with a 405 itself.
export const dynamic = "force-dynamic";
export {
  apiRequestHandler as DELETE,
  apiRequestHandler as GET,
  apiRequestHandler as PATCH,
  apiRequestHandler as POST,
  apiRequestHandler as PUT,
};
