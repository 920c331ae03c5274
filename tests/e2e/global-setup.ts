import { CHROMIUM, ensureDebianPackages } from "../support/debian";

export default function globalSetup() {
  ensureDebianPackages([CHROMIUM]);
}
