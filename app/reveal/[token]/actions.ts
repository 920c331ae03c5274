"use server";

import type { FormState } from "@/lib/actions";
import { requestMeta } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { openRevealLink } from "@/lib/portal";

/** Public by design: possession of the emailed token is the authorization; it works once. */
export async function revealWithLinkAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const token = String(formData.get("token") ?? "");
  const outcome = await openRevealLink(getDb(), token, await requestMeta());
  if (outcome.state === "revealed") {
    return { ok: true, data: { password: outcome.password, username: outcome.username } };
  }
  return { ok: false, formError: outcome.state };
}
