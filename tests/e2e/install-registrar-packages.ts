// Playwright starts the web server before its global setup: Kamailio must be there before `npm start` looks for it.
import installRegistrarPackages from "../support/registrar-packages";

installRegistrarPackages();
