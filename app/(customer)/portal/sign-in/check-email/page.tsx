import type { Metadata } from "next";

export const metadata: Metadata = { title: "Check your email" };

export default function CheckEmailPage() {
  return (
    <div className="mx-auto max-w-md py-6">
      <h1 className="mb-2 text-2xl font-bold">Check your email</h1>
      <p className="text-muted-foreground">
        If that address belongs to a customer account, a sign-in link is on its way. It works once and expires in 30
        minutes.
      </p>
    </div>
  );
}
