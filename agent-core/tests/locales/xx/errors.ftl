# A test locale ("xx"): the English text, each message marked ⟦xx⟧.
error-invalid-draft = ⟦xx⟧ the form has { $count } problem(s) to fix: { $findings }
error-needs-confirmation = ⟦xx⟧ the form has { $count } warning(s) to confirm: { $findings }
error-unknown-submission = ⟦xx⟧ no form with id { $id } is in the outbox; check the id with `status`
error-config = ⟦xx⟧ the configuration needs fixing: { $detail }
error-storage-full = ⟦xx⟧ the device storage is full, so nothing was saved. Free some space and save again. ({ $detail })
error-storage-unavailable = ⟦xx⟧ the outbox database cannot be written: { $detail }. Check the file's permissions and free space; nothing was changed.
error-storage-corrupt = ⟦xx⟧ the outbox database was damaged and has been kept at { $path } for recovery; ask support to recover it. ({ $detail })
error-database-too-new = ⟦xx⟧ the outbox database was written by a newer version of this app (schema { $found }, this app knows { $supported }). Update the app; the data has not been touched.
error-busy = ⟦xx⟧ the outbox is busy ({ $detail }); try again in a moment
error-auth-failed = ⟦xx⟧ { $destination } refused the sign-in: { $detail }. Enter the username and password again.
error-unreachable = ⟦xx⟧ { $destination } could not be reached: { $detail }. Check the phone's connection (mobile data or Wi-Fi) and try again later; nothing was changed.
error-internal = ⟦xx⟧ something went wrong inside the agent (reference { $reference }); please report it. { $detail }
error-line = ⟦xx⟧ error: { $text }
