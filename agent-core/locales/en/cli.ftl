# cli-sim: the demo's story and the tables of status, sync and health.
# Names, codes, numbers and addresses are arguments, shown as they are.

## The demo

demo-title = == Health-post sync agent demo ==
demo-folder = working folder: { $path }
demo-dhis2 = simulated DHIS2 (2.40 answers) at { $url }
demo-lmis = simulated OpenLMIS v3 at { $url }
demo-forms = forms: { $forms }
demo-facilities = facilities: { $count }; reporting month { $month }
demo-step-record = -- 1. Recording a month of forms (no network yet)
demo-saved = saved { $form } { $facility } -> { $id } (revision { $revision })
demo-step-confirm = -- 2. A form with an unusual number: the agent asks for confirmation
demo-confirms = the health worker checks the stock card and confirms.
demo-saved-correction = saved as a correction of { $id }: revision { $revision }
demo-unexpected = unexpected: { $what }
demo-step-invalid = -- 3. An invalid form: every problem is explained, nothing is saved
demo-step-double-tap = -- 4. A double tap on Save: the same form is not saved twice
demo-double-tap-same = the second tap gave back the same form: saved once.
demo-double-tap-new = the second tap saved the form again: this should not happen.
demo-step-late = -- 5. A late report: the form for { $period } (DHIS2 closed that period after 90 days)
demo-saved-id = saved { $id }
demo-step-offline = -- 6. Sync while the servers cannot be reached: nothing is lost, everything waits
demo-step-online = -- 7. The network is back: sync again
demo-syncing = syncing
demo-parts-sent = parts sent
demo-step-why = -- 8. Why DHIS2 refused the late report, field by field
demo-step-held = -- 9. What DHIS2 now holds (read back over its API)
demo-values = { $facility } { $month }: { $count ->
        [one] { $count } value
       *[other] { $count } values
    }
demo-completions = completed forms registered: { $count }
demo-step-stock-cards = -- 10. Stock cards in the LMIS: stock on hand against each form's closing balance
demo-stock-card = { $facility } { $form } revision { $revision }: { $cells }
demo-events = stock events applied: { $count } (one per form revision sent; none twice)
demo-step-cross-checks = -- 11. Services against consumption, side by side ({ $month })
demo-cross-check = { $left } { $left_value } against { $right } { $right_value }, ratio { $ratio } (expected { $min } to { $max }): { $verdict }
demo-check-ok = ok
demo-check-look = CHECK
demo-step-outbox = -- 12. Outbox

## Findings

show-error = ERROR
show-warning = WARNING

## What to order

show-resupply-title = What to order (from this form and the earlier months in the outbox):
show-resupply-line = { $name }: { $order } ({ $left }{ $risk }; up to { $max } months of stock{ $short })
show-resupply-order = order { $quantity }{ $unit }
show-resupply-no-order = no order needed
show-resupply-left = { $months } months of stock left
show-resupply-nothing-consumed = nothing consumed
show-resupply-risk = , below the minimum of { $min } months: order now
show-resupply-short = ; average over { $count } of { $wanted } months

## Status, sync and health

show-release = Nothing is sent there until this is fixed. The next sync tries again by itself once the credentials or the address changed (for a hotspot or proxy page: once the network changed, `cli-sim sync --retry-now`); to try again now: cli-sim sync --retry-auth
show-col-id = id
show-col-form = form
show-col-facility = facility
show-col-period = period
show-col-revision = rev
show-held = { $destination }: HELD: { $reason }
show-destination-error = { $destination }: { $error }
show-damaged-copy = { $message } To acknowledge it: cli-sim acknowledge-damaged
show-damaged = DAMAGED COPY: { $text }
show-outbox-count = forms in the outbox: { $count }
show-data-use = data use { $destination } { $requests } requests, { $sent } B sent, { $received } B received (last 30 days { $month } B, last sync { $last } B){ $per_form }
show-data-use-per-form = , { $bytes } B per form delivered
show-oldest = oldest undelivered form: recorded { $at } ({ $age } ago)
show-damaged-may-hold = no form in this outbox is waiting, but the damaged copy above may hold forms that were never sent
show-all-delivered = every form is delivered
show-age-seconds = { $n } s
show-age-minutes = { $n } min
show-age-hours = { $n } h
show-age-days = { $n ->
        [one] { $n } day
       *[other] { $n } days
    }
show-sync-line = { $destination }: { $delivered } delivered, { $rejected } rejected, { $queued } still queued; { $requests } request(s), { $sent } bytes sent, { $received } received
show-refused = refused: { $id } (revision { $revision })
show-partly-refused = partly refused: { $id } (revision { $revision })
show-problem = problem: { $problem }
show-held-reason = HELD: { $reason }
show-note = note: { $note }
show-next-attempt = next attempt: { $at }
show-sync-done = done: nothing is left to send (refused forms, if any, are listed above and in status)
show-sync-cancelled = cancelled: the rest waits for the next sync
show-sync-again = not done: sync again at { $at }
show-sync-attention = not done: a destination needs attention (see above)
show-fields = { $count } fields
show-server-said = server said: { $text }
