"use server";

import { serverAction } from "@/lib/actions";
import { createApiKey, revokeApiKey } from "@/lib/api/keys";

export const createApiKeyAction = serverAction(createApiKey, { data: ({ secret }) => ({ secret }) });
export const revokeApiKeyAction = serverAction(revokeApiKey, {
  message: "Key revoked: its next request is refused.",
});
