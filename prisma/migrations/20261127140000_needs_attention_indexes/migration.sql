-- CreateIndex
CREATE INDEX "Trunk_outboundSuspendedAt_idx" ON "Trunk"("outboundSuspendedAt");

-- CreateIndex
CREATE INDEX "CredentialCheck_outcome_idx" ON "CredentialCheck"("outcome");
