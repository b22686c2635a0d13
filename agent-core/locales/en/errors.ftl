# Errors a user meets: what happened and what to do. $detail is the
# technical reason (the system's own words), kept for support.

error-invalid-draft = the form has { $count } problem(s) to fix: { $findings }
error-needs-confirmation = the form has { $count } warning(s) to confirm: { $findings }
error-unknown-submission = no form with id { $id } is in the outbox; check the id with `status`
error-config = the configuration needs fixing: { $detail }
error-storage-full = the device storage is full, so nothing was saved. Free some space and save again. ({ $detail })
error-storage-unavailable = the outbox database cannot be written: { $detail }. Check the file's permissions and free space; nothing was changed.
error-storage-corrupt = the outbox database was damaged and has been kept at { $path } for recovery; ask support to recover it. ({ $detail })
error-database-too-new = the outbox database was written by a newer version of this app (schema { $found }, this app knows { $supported }). Update the app; the data has not been touched.
error-busy = the outbox is busy ({ $detail }); try again in a moment
error-auth-failed = { $destination } refused the sign-in: { $detail }. Enter the username and password again.
error-unreachable = { $destination } could not be reached: { $detail }. Check the phone's connection (mobile data or Wi-Fi) and try again later; nothing was changed.
error-internal = something went wrong inside the agent (reference { $reference }); please report it. { $detail }
# cli-sim's line for an error.
error-line = error: { $text }
