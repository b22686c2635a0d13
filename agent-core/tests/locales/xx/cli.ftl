# A test locale ("xx"): the English text, each message marked ⟦xx⟧.


demo-title = ⟦xx⟧ == Health-post sync agent demo ==
demo-folder = ⟦xx⟧ working folder: { $path }
demo-dhis2 = ⟦xx⟧ simulated DHIS2 (2.40 answers) at { $url }
demo-lmis = ⟦xx⟧ simulated OpenLMIS v3 at { $url }
demo-forms = ⟦xx⟧ forms: { $forms }
demo-facilities = ⟦xx⟧ facilities: { $count }; reporting month { $month }
demo-step-record = ⟦xx⟧ -- 1. Recording a month of forms (no network yet)
demo-saved = ⟦xx⟧ saved { $form } { $facility } -> { $id } (revision { $revision })
demo-step-confirm = ⟦xx⟧ -- 2. A form with an unusual number: the agent asks for confirmation
demo-confirms = ⟦xx⟧ the health worker checks the stock card and confirms.
demo-saved-correction = ⟦xx⟧ saved as a correction of { $id }: revision { $revision }
demo-unexpected = ⟦xx⟧ unexpected: { $what }
demo-step-invalid = ⟦xx⟧ -- 3. An invalid form: every problem is explained, nothing is saved
demo-step-double-tap = ⟦xx⟧ -- 4. A double tap on Save: the same form is not saved twice
demo-double-tap-same = ⟦xx⟧ the second tap gave back the same form: saved once.
demo-double-tap-new = ⟦xx⟧ the second tap saved the form again: this should not happen.
demo-step-late = ⟦xx⟧ -- 5. A late report: the form for { $period } (DHIS2 closed that period after 90 days)
demo-saved-id = ⟦xx⟧ saved { $id }
demo-step-offline = ⟦xx⟧ -- 6. Sync while the servers cannot be reached: nothing is lost, everything waits
demo-step-online = ⟦xx⟧ -- 7. The network is back: sync again
demo-syncing = ⟦xx⟧ syncing
demo-parts-sent = ⟦xx⟧ parts sent
demo-step-why = ⟦xx⟧ -- 8. Why DHIS2 refused the late report, field by field
demo-step-held = ⟦xx⟧ -- 9. What DHIS2 now holds (read back over its API)
demo-values = ⟦xx⟧ { $facility } { $month }: { $count ->
        [one] { $count } value
       *[other] { $count } values
    }
demo-completions = ⟦xx⟧ completed forms registered: { $count }
demo-step-stock-cards = ⟦xx⟧ -- 10. Stock cards in the LMIS: stock on hand against each form's closing balance
demo-stock-card = ⟦xx⟧ { $facility } { $form } revision { $revision }: { $cells }
demo-events = ⟦xx⟧ stock events applied: { $count } (one per form revision sent; none twice)
demo-step-cross-checks = ⟦xx⟧ -- 11. Services against consumption, side by side ({ $month })
demo-cross-check = ⟦xx⟧ { $left } { $left_value } against { $right } { $right_value }, ratio { $ratio } (expected { $min } to { $max }): { $verdict }
demo-check-ok = ⟦xx⟧ ok
demo-check-look = ⟦xx⟧ CHECK
demo-step-outbox = ⟦xx⟧ -- 12. Outbox


show-error = ⟦xx⟧ ERROR
show-warning = ⟦xx⟧ WARNING


show-resupply-title = ⟦xx⟧ What to order (from this form and the earlier months in the outbox):
show-resupply-line = ⟦xx⟧ { $name }: { $order } ({ $left }{ $risk }; up to { $max } months of stock{ $short })
show-resupply-order = ⟦xx⟧ order { $quantity }{ $unit }
show-resupply-no-order = ⟦xx⟧ no order needed
show-resupply-left = ⟦xx⟧ { $months } months of stock left
show-resupply-nothing-consumed = ⟦xx⟧ nothing consumed
show-resupply-risk = ⟦xx⟧ , below the minimum of { $min } months: order now
show-resupply-short = ⟦xx⟧ ; average over { $count } of { $wanted } months


show-release = ⟦xx⟧ Nothing is sent there until this is fixed. The next sync tries again by itself once the credentials or the address changed (for a hotspot or proxy page: once the network changed, `cli-sim sync --retry-now`); to try again now: cli-sim sync --retry-auth
show-col-id = ⟦xx⟧ id
show-col-form = ⟦xx⟧ form
show-col-facility = ⟦xx⟧ facility
show-col-period = ⟦xx⟧ period
show-col-revision = ⟦xx⟧ rev
show-held = ⟦xx⟧ { $destination }: HELD: { $reason }
show-destination-error = ⟦xx⟧ { $destination }: { $error }
show-damaged-copy = ⟦xx⟧ { $message } To acknowledge it: cli-sim acknowledge-damaged
show-damaged = ⟦xx⟧ DAMAGED COPY: { $text }
show-outbox-count = ⟦xx⟧ forms in the outbox: { $count }
show-data-use = ⟦xx⟧ data use { $destination } { $requests } requests, { $sent } B sent, { $received } B received (last 30 days { $month } B, last sync { $last } B){ $per_form }
show-data-use-per-form = ⟦xx⟧ , { $bytes } B per form delivered
show-oldest = ⟦xx⟧ oldest undelivered form: recorded { $at } ({ $age } ago)
show-damaged-may-hold = ⟦xx⟧ no form in this outbox is waiting, but the damaged copy above may hold forms that were never sent
show-all-delivered = ⟦xx⟧ every form is delivered
show-age-seconds = ⟦xx⟧ { $n } s
show-age-minutes = ⟦xx⟧ { $n } min
show-age-hours = ⟦xx⟧ { $n } h
show-age-days = ⟦xx⟧ { $n ->
        [one] { $n } day
       *[other] { $n } days
    }
show-sync-line = ⟦xx⟧ { $destination }: { $delivered } delivered, { $rejected } rejected, { $queued } still queued; { $requests } request(s), { $sent } bytes sent, { $received } received
show-refused = ⟦xx⟧ refused: { $id } (revision { $revision })
show-partly-refused = ⟦xx⟧ partly refused: { $id } (revision { $revision })
show-problem = ⟦xx⟧ problem: { $problem }
show-held-reason = ⟦xx⟧ HELD: { $reason }
show-note = ⟦xx⟧ note: { $note }
show-next-attempt = ⟦xx⟧ next attempt: { $at }
show-sync-done = ⟦xx⟧ done: nothing is left to send (refused forms, if any, are listed above and in status)
show-sync-cancelled = ⟦xx⟧ cancelled: the rest waits for the next sync
show-sync-again = ⟦xx⟧ not done: sync again at { $at }
show-sync-attention = ⟦xx⟧ not done: a destination needs attention (see above)
show-fields = ⟦xx⟧ { $count } fields
show-server-said = ⟦xx⟧ server said: { $text }
