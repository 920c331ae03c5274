const MESSAGES: Record<string, { title: string; body: string }> = {
  used: {
    title: "This link was already used",
    body: "Each link shows the password once. Sign in to the customer portal to see it again, or ask support to resend your credentials.",
  },
  expired: {
    title: "This link has expired",
    body: "Links work for 72 hours. Sign in to the customer portal to see your password, or ask support to resend your credentials.",
  },
  superseded: {
    title: "This link was replaced",
    body: "A newer email was sent (for example after a password reset), and it has the current link. Older links stop working.",
  },
  unavailable: {
    title: "This trunk is not active",
    body: "The trunk was disabled or removed, or the account is not active, so its password is not shown. Contact support if you think this is a mistake.",
  },
  unknown: {
    title: "This link is not valid",
    body: "Check that you copied the whole address from the email, or sign in to the customer portal.",
  },
};

export function LinkProblem({ state }: { state: string }) {
  const message = MESSAGES[state] ?? MESSAGES.unknown;
  return (
    <div role="alert">
      <h2 className="text-xl font-semibold">{message?.title}</h2>
      <p className="mt-2 text-muted-foreground">{message?.body}</p>
      <p className="mt-4">
        <a href="/portal/sign-in">Sign in to the customer portal</a>
      </p>
    </div>
  );
}
