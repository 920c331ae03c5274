"use server";

import { type FormState, serverAction } from "@/lib/actions";
import { cancelImport, startImport, uploadImport } from "@/lib/imports";

const upload = serverAction(uploadImport, { redirectTo: (created) => `/staff/imports/${created.id}` });

/** The chosen file's text goes to the upload command as `csv`; it is never echoed back to the browser. */
export async function uploadImportAction(previous: FormState, formData: FormData): Promise<FormState> {
  const file = formData.get("file");
  formData.delete("file");
  if (file instanceof File && file.size > 0) {
    formData.set("csv", await file.text());
    formData.set("filename", file.name);
  }
  const state = await upload(previous, formData);
  if (state.fieldErrors?.csv) state.fieldErrors = { ...state.fieldErrors, file: state.fieldErrors.csv };
  return { ...state, values: {} };
}

export const startImportAction = serverAction(startImport, { message: "Import started." });
export const cancelImportAction = serverAction(cancelImport, {
  message: "Cancelling: rows already imported stay, the rest are skipped.",
});
