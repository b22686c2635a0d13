# Sync: delivery states, why a send failed, and what a server's refusal
# means for a health worker. Arguments ($name) are filled by the agent.

## Delivery states (status tables; in English the names stored in the outbox)

state-pending = pending
state-in_flight = in_flight
state-delivered = delivered
state-rejected = rejected
state-superseded = superseded
state-waiting = waiting

## Why a send failed on the way ($detail: the phone's own technical words)

net-unreachable = the server could not be reached ({ $detail })
net-timeout = the server did not answer in time ({ $detail })
net-broken = the connection broke before the answer arrived ({ $detail })
net-tls = the secure connection failed (certificate or TLS problem) ({ $detail })
net-other = the request failed ({ $detail })
net-not-started = the request was not sent ({ $detail })

## DHIS2 refusals, by DHIS2's error code

dhis2-advice-period-closed = DHIS2 has closed this period for data entry. Ask the district data officer to open it (a lock exception), then send again.
dhis2-advice-input-periods = DHIS2 does not take data for this period at this time (the data set's data input periods). Check the period of the form; if it is right, ask the district data officer to open an input period for it, then send again.
dhis2-advice-period-not-open = DHIS2 does not take data for this period at this time (closed, not open yet, or outside its data input periods). Check the period of the form; if it is right, ask the district data officer to open it, then send again.
dhis2-advice-period-not-yet = DHIS2 does not accept this period yet. Check the period of the form.
dhis2-advice-approved = This month's data is already approved in DHIS2 and cannot change. Ask the district to un-approve it.
dhis2-advice-value = DHIS2 does not accept this value for this field. Check the number and correct the form.
dhis2-advice-field = DHIS2 does not have this field in the data set. The form definition is out of date: ask your supervisor to update it.
dhis2-advice-category = The form definition maps this field to a category DHIS2 does not accept. Ask your supervisor to update the form definition.
dhis2-advice-facility = DHIS2 does not accept data for this facility in this data set. Ask your supervisor to check the facility map.
dhis2-advice-access = The DHIS2 user cannot write to this data set. Ask the DHIS2 administrator to give access.
dhis2-advice-period = DHIS2 does not accept this period for this data set. Check the form's period.
dhis2-advice-facility-closed = The facility is closed in DHIS2 for this period. Ask the district to check the facility's dates.
dhis2-advice-category-dates = DHIS2 accepts data for this category only between its start and end dates, and this period is outside them. Check the form's period, or ask the DHIS2 administrator to extend the dates.
dhis2-advice-category-facility = DHIS2 does not allow this category for this facility. Ask the DHIS2 administrator to check the category's facilities.
dhis2-advice-other = DHIS2 refused this value. Read the server's message, then correct the form or ask your supervisor.
# $fields: the fields at fault, e.g. service.malaria_rdt_positive
dhis2-advice-not-stored = Not stored: DHIS2 refused the whole form because of { $fields }. This value is not the problem.
dhis2-advice-refused-form = DHIS2 refused this form. Read the server's message; ask your supervisor if it is unclear.

## A refused form, in one line (the fields follow, one reason each)

sync-refused-whole = refused as a whole ({ $count ->
        [one] { $count } field
       *[other] { $count } fields
    }); what to do is below.
sync-refused-part = some values refused, the others were stored ({ $count ->
        [one] { $count } field
       *[other] { $count } fields
    }); what to do is below.

## Text the agent shows as it came (a server's or an older agent's words)

plain-text = { $text }

## Forms this device cannot send any more (a form definition, a facility or a
## form's part removed); shown on every start until resolved
# $form: the form's id; $facility: the facility's code; $part: DHIS2 or LMIS
stranded-form-gone = the form '{ $form }' is no longer defined
stranded-facility-gone = the facility '{ $facility }' is no longer in the facility map
stranded-part-gone = the form '{ $form }' no longer has { $part ->
        [LMIS] an LMIS
       *[other] a { $part }
    } part
stranded-org-unit-gone = the facility '{ $facility }' has no DHIS2 organisation unit in the facility map
# $reason: one of the three above, already in this language
stranded-reason = { $reason } ({ $count ->
        [one] { $count } form
       *[other] { $count } forms
    })
# $reasons: the reasons above joined with "; "; $command: the export command
stranded-warning = { $count ->
        [one] { $count } form not yet delivered cannot be sent with the current definitions: { $reasons }. It is kept, not deleted. Put back the form definition or the facility's entry in the facility map and it is sent at the next sync, or save it for the district with `{ $command }`
       *[other] { $count } forms not yet delivered cannot be sent with the current definitions: { $reasons }. They are kept, not deleted. Put back the form definition or the facility's entry in the facility map and they are sent at the next sync, or save them for the district with `{ $command }`
    }

## Issue 15, stored messages: what is stored with a delivery or a destination
## and shown again later, in the language of that moment.
# A form this device cannot send; $command: the export command
sync-kept-form-gone = the form '{ $form }' is no longer defined on this device, so it cannot be sent. It is kept, not deleted: it waits, and is sent by itself at the next sync once the form definition or facility is back, or save it for the district with `{ $command }`
sync-kept-facility-gone = the facility '{ $facility }' is no longer in the facility map on this device, so it cannot be sent. It is kept, not deleted: it waits, and is sent by itself at the next sync once the form definition or facility is back, or save it for the district with `{ $command }`
sync-kept-part-gone = the form '{ $form }' no longer has { $part ->
        [LMIS] an LMIS
       *[other] a { $part }
    } part on this device, so it cannot be sent. It is kept, not deleted: it waits, and is sent by itself at the next sync once the form definition or facility is back, or save it for the district with `{ $command }`
sync-kept-org-unit-gone = the facility '{ $facility }' has no DHIS2 organisation unit in the facility map on this device, so it cannot be sent. It is kept, not deleted: it waits, and is sent by itself at the next sync once the facility map gives it one, or save it for the district with `{ $command }`
# Why DHIS2 is held ($url: its address; $answer: what answered instead, technical)
hold-dhis2-credentials = DHIS2 refused the username and password (or token). Correct them in the settings; the next sync tries again once they changed.
hold-dhis2-authority = The DHIS2 user may not enter data (missing authority). Ask the DHIS2 administrator.
hold-dhis2-not-found = The DHIS2 address { $url } does not lead to DHIS2's data entry API (HTTP 404). Check the address in the settings.
hold-dhis2-too-large = one form is too large for DHIS2 or for a proxy in front of it ({ $answer }); ask the DHIS2 administrator to accept larger requests
hold-dhis2-intercepted = something between this device and DHIS2 answered instead of it: { $answer }. If this device reaches the internet through a hotspot or a proxy, open a web browser and sign in to it; if the DHIS2 address is wrong, correct it
# $status: the HTTP status number
sync-dhis2-busy = DHIS2 is busy or failing (HTTP { $status })
# What releases a hold, by its kind
hold-kind-credentials = the password or its rights were refused: correct them in the settings
hold-kind-configuration = the address or settings are wrong: correct them in the settings
hold-kind-intercepted = something else answered instead of the server: change network or sign in to the hotspot
# Sync notes ($destination: DHIS2 or LMIS; $section: the settings section;
# $reason: the app's own words; $until: a date and time)
sync-note-no-credentials = no { $destination } credentials are configured
sync-note-credentials-unavailable = the app could not give the credentials ({ $reason }); try again later
sync-note-address-changed = the address changed: trying again
sync-note-credentials-changed = the credentials changed: trying again
sync-note-not-configured = { $destination } is not configured (no { $section } section)
sync-note-backing-off = waiting after failures until { $until }
sync-note-clear-text = { $destination } is reached over plain http:// (allow_insecure_http = true): passwords and reports cross the network unencrypted. Switch to https:// as soon as the server offers it
# An LMIS stock event waits: the LMIS's reference data does not match ($problems: technical, names and codes)
sync-wait-lmis-mismatch = not sent: the LMIS's reference data does not match this form or the facility map ({ $problems }). Fix the facility map or the form definition's LMIS mapping (`cli-sim lmis check` shows what the LMIS has), or ask the LMIS administrator to approve the product for this facility type and program. It is kept and sent by itself at a sync once they match; the LMIS is asked again at most once a day
