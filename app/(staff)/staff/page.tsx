import { redirect } from "next/navigation";
import { requireStaff } from "@/lib/auth/guards";

export default async function StaffHome() {
  await requireStaff();
  redirect("/staff/customers");
}
