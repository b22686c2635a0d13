# A test locale ("xx"): the English text, each message marked ⟦xx⟧.


state-pending = ⟦xx⟧ pending
state-in_flight = ⟦xx⟧ in_flight
state-delivered = ⟦xx⟧ delivered
state-rejected = ⟦xx⟧ rejected
state-superseded = ⟦xx⟧ superseded
state-waiting = ⟦xx⟧ waiting


net-unreachable = ⟦xx⟧ the server could not be reached ({ $detail })
net-timeout = ⟦xx⟧ the server did not answer in time ({ $detail })
net-broken = ⟦xx⟧ the connection broke before the answer arrived ({ $detail })
net-tls = ⟦xx⟧ the secure connection failed (certificate or TLS problem) ({ $detail })
net-other = ⟦xx⟧ the request failed ({ $detail })
net-not-started = ⟦xx⟧ the request was not sent ({ $detail })


dhis2-advice-period-closed = ⟦xx⟧ DHIS2 has closed this period for data entry. Ask the district data officer to open it (a lock exception), then send again.
dhis2-advice-input-periods = ⟦xx⟧ DHIS2 does not take data for this period at this time (the data set's data input periods). Check the period of the form; if it is right, ask the district data officer to open an input period for it, then send again.
dhis2-advice-period-not-open = ⟦xx⟧ DHIS2 does not take data for this period at this time (closed, not open yet, or outside its data input periods). Check the period of the form; if it is right, ask the district data officer to open it, then send again.
dhis2-advice-period-not-yet = ⟦xx⟧ DHIS2 does not accept this period yet. Check the period of the form.
dhis2-advice-approved = ⟦xx⟧ This month's data is already approved in DHIS2 and cannot change. Ask the district to un-approve it.
dhis2-advice-value = ⟦xx⟧ DHIS2 does not accept this value for this field. Check the number and correct the form.
dhis2-advice-field = ⟦xx⟧ DHIS2 does not have this field in the data set. The form definition is out of date: ask your supervisor to update it.
dhis2-advice-category = ⟦xx⟧ The form definition maps this field to a category DHIS2 does not accept. Ask your supervisor to update the form definition.
dhis2-advice-facility = ⟦xx⟧ DHIS2 does not accept data for this facility in this data set. Ask your supervisor to check the facility map.
dhis2-advice-access = ⟦xx⟧ The DHIS2 user cannot write to this data set. Ask the DHIS2 administrator to give access.
dhis2-advice-period = ⟦xx⟧ DHIS2 does not accept this period for this data set. Check the form's period.
dhis2-advice-facility-closed = ⟦xx⟧ The facility is closed in DHIS2 for this period. Ask the district to check the facility's dates.
dhis2-advice-category-dates = ⟦xx⟧ DHIS2 accepts data for this category only between its start and end dates, and this period is outside them. Check the form's period, or ask the DHIS2 administrator to extend the dates.
dhis2-advice-category-facility = ⟦xx⟧ DHIS2 does not allow this category for this facility. Ask the DHIS2 administrator to check the category's facilities.
dhis2-advice-other = ⟦xx⟧ DHIS2 refused this value. Read the server's message, then correct the form or ask your supervisor.
dhis2-advice-not-stored = ⟦xx⟧ Not stored: DHIS2 refused the whole form because of { $fields }. This value is not the problem.
dhis2-advice-refused-form = ⟦xx⟧ DHIS2 refused this form. Read the server's message; ask your supervisor if it is unclear.


sync-refused-whole = ⟦xx⟧ refused as a whole ({ $count ->
        [one] { $count } field
       *[other] { $count } fields
    }); what to do is below.
sync-refused-part = ⟦xx⟧ some values refused, the others were stored ({ $count ->
        [one] { $count } field
       *[other] { $count } fields
    }); what to do is below.


plain-text = ⟦xx⟧ { $text }


stranded-form-gone = ⟦xx⟧ the form '{ $form }' is no longer defined
stranded-facility-gone = ⟦xx⟧ the facility '{ $facility }' is no longer in the facility map
stranded-part-gone = ⟦xx⟧ the form '{ $form }' no longer has { $part ->
        [LMIS] an LMIS
       *[other] a { $part }
    } part
stranded-org-unit-gone = ⟦xx⟧ the facility '{ $facility }' has no DHIS2 organisation unit in the facility map
stranded-reason = ⟦xx⟧ { $reason } ({ $count } forms)
stranded-warning = ⟦xx⟧ { $count } forms not yet delivered cannot be sent with the current definitions: { $reasons }. They are kept, not deleted. Save them with `{ $command }`

# issue 15, stored messages (wt-15c)
sync-kept-form-gone = ⟦xx⟧ the form '{ $form }' is no longer defined on this device, so it cannot be sent. It is kept, not deleted: it waits, and is sent by itself at the next sync once the form definition or facility is back, or save it for the district with `{ $command }`
sync-kept-facility-gone = ⟦xx⟧ the facility '{ $facility }' is no longer in the facility map on this device, so it cannot be sent. It is kept, not deleted: it waits, and is sent by itself at the next sync once the form definition or facility is back, or save it for the district with `{ $command }`
sync-kept-part-gone = ⟦xx⟧ the form '{ $form }' no longer has { $part ->
        [LMIS] an LMIS
       *[other] a { $part }
    } part on this device, so it cannot be sent. It is kept, not deleted: it waits, and is sent by itself at the next sync once the form definition or facility is back, or save it for the district with `{ $command }`
sync-kept-org-unit-gone = ⟦xx⟧ the facility '{ $facility }' has no DHIS2 organisation unit in the facility map on this device, so it cannot be sent. It is kept, not deleted: it waits, and is sent by itself at the next sync once the facility map gives it one, or save it for the district with `{ $command }`
hold-dhis2-credentials = ⟦xx⟧ DHIS2 refused the username and password (or token). Correct them in the settings; the next sync tries again once they changed.
hold-dhis2-authority = ⟦xx⟧ The DHIS2 user may not enter data (missing authority). Ask the DHIS2 administrator.
hold-dhis2-not-found = ⟦xx⟧ The DHIS2 address { $url } does not lead to DHIS2's data entry API (HTTP 404). Check the address in the settings.
hold-dhis2-too-large = ⟦xx⟧ one form is too large for DHIS2 or for a proxy in front of it ({ $answer }); ask the DHIS2 administrator to accept larger requests
hold-dhis2-intercepted = ⟦xx⟧ something between this device and DHIS2 answered instead of it: { $answer }. If this device reaches the internet through a hotspot or a proxy, open a web browser and sign in to it; if the DHIS2 address is wrong, correct it
sync-dhis2-busy = ⟦xx⟧ DHIS2 is busy or failing (HTTP { $status })
hold-kind-credentials = ⟦xx⟧ the password or its rights were refused: correct them in the settings
hold-kind-configuration = ⟦xx⟧ the address or settings are wrong: correct them in the settings
hold-kind-intercepted = ⟦xx⟧ something else answered instead of the server: change network or sign in to the hotspot
sync-note-no-credentials = ⟦xx⟧ no { $destination } credentials are configured
sync-note-credentials-unavailable = ⟦xx⟧ the app could not give the credentials ({ $reason }); try again later
sync-note-address-changed = ⟦xx⟧ the address changed: trying again
sync-note-credentials-changed = ⟦xx⟧ the credentials changed: trying again
sync-note-not-configured = ⟦xx⟧ { $destination } is not configured (no { $section } section)
sync-note-backing-off = ⟦xx⟧ waiting after failures until { $until }
sync-note-clear-text = ⟦xx⟧ { $destination } is reached over plain http:// (allow_insecure_http = true): passwords and reports cross the network unencrypted. Switch to https:// as soon as the server offers it
# An LMIS stock event waits: the LMIS's reference data does not match ($problems: technical, names and codes)
sync-wait-lmis-mismatch = ⟦xx⟧ not sent: the LMIS's reference data does not match this form or the facility map ({ $problems }). Fix the facility map or the form definition's LMIS mapping (`cli-sim lmis check` shows what the LMIS has), or ask the LMIS administrator to approve the product for this facility type and program. It is kept and sent by itself at a sync once they match; the LMIS is asked again at most once a day
