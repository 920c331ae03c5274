-- A credentials email still waiting when a newer one of its trunk replaces it (or the trunk is deleted) is never sent.
ALTER TYPE "MailStatus" ADD VALUE 'SUPERSEDED';
