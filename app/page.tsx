import { redirect } from "next/navigation";
import { currentActor } from "@/lib/auth/guards";
import { isStaff } from "@/lib/auth/policy";

export default async function Home() {
  const actor = await currentActor();
  if (isStaff(actor)) redirect("/staff");
  redirect(actor?.role === "CUSTOMER" ? "/portal" : "/sign-in");
}
