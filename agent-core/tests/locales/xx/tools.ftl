# A test locale ("xx"): the English text, each message marked ⟦xx⟧.
# cli-sim's set-up and support commands (mapping, metadata, lmis, inspect,
# forms, validate, diagnose, export/import, resend…) and the matching of
# master lists. Names, codes, numbers, paths and JSON are arguments.

## Stock movements (the LMIS reasons' subjects)

movement-consumed = ⟦xx⟧ consumed
movement-received = ⟦xx⟧ received
movement-losses = ⟦xx⟧ losses
movement-positive_adjustment = ⟦xx⟧ positive adjustment
movement-negative_adjustment = ⟦xx⟧ negative adjustment
movement-credit_correction = ⟦xx⟧ correction adding stock back
movement-debit_correction = ⟦xx⟧ correction taking stock away

## Matching master lists (mapping suggest)

match-evidence-code = ⟦xx⟧ the same code { $code } on both sides
match-evidence-name = ⟦xx⟧ the same name once normalised ('{ $name }')
match-evidence-not-supported = ⟦xx⟧ the LMIS facility does not support this program
match-evidence-pack = ⟦xx⟧ the LMIS counts in packs of { $count }
match-evidence-reason-name = ⟦xx⟧ the LMIS has a reason named '{ $name }'
match-evidence-reason-tag-credit = ⟦xx⟧ the only credit reason of the LMIS tagged '{ $tag }'
match-evidence-reason-tag-debit = ⟦xx⟧ the only debit reason of the LMIS tagged '{ $tag }'
match-evidence-decision = ⟦xx⟧ your decision
match-why-shared-code = ⟦xx⟧ { $count } items of the other list have this code: { $names }
match-why-shared-name = ⟦xx⟧ { $count } items of the other list have this name: { $names }
match-why-merge = ⟦xx⟧ { $count } items of this list want the same one ({ $names }): a merge or a duplicate
match-why-unmatched = ⟦xx⟧ no item of the other list has this code or this name
match-problem-unknown-org-unit = ⟦xx⟧ the decisions name the DHIS2 org unit { $id }, which is not among the data sets' org units
match-problem-unknown-lmis-code = ⟦xx⟧ the decisions name the LMIS facility code { $code }, which the LMIS does not have
match-problem-empty-decision = ⟦xx⟧ a facility decision names neither dhis2_org_unit nor lmis_facility_code
match-problem-reason-decision-credit = ⟦xx⟧ the decision for { $movement } names '{ $name }', which is not a credit reason of the LMIS for facility types { $types }
match-problem-reason-decision-debit = ⟦xx⟧ the decision for { $movement } names '{ $name }', which is not a debit reason of the LMIS for facility types { $types }

## Checking the facility map and the forms (mapping check)

match-subject-facility = ⟦xx⟧ facility { $code }
match-subject-form = ⟦xx⟧ form { $form }
match-subject-product = ⟦xx⟧ form { $form } product { $product }
match-subject-reason = ⟦xx⟧ form { $form } reason for { $movement }
match-check-org-unit-unknown = ⟦xx⟧ dhis2_org_unit { $org_unit } is not assigned to the forms' data sets in DHIS2; choose one of the org units DHIS2 has
match-check-org-unit-missing = ⟦xx⟧ dhis2_org_unit is missing, but the facility reports a form that goes to DHIS2; add the org unit's uid
match-check-lmis-missing = ⟦xx⟧ lmis_facility_id and lmis_facility_code are missing, but the facility reports stock to the LMIS; add both
match-check-lmis-id-missing = ⟦xx⟧ lmis_facility_id is missing; the LMIS gives { $id } for code { $code }: add "lmis_facility_id": "{ $id }"
match-check-lmis-code-unknown = ⟦xx⟧ lmis_facility_id is missing and the LMIS has no facility with code { $code }
match-check-lmis-id-unknown = ⟦xx⟧ the LMIS has no facility with id { $id }
match-check-lmis-code-other = ⟦xx⟧ lmis_facility_code { $code } does not belong to LMIS facility { $id }, whose code is { $actual }
match-check-lmis-code-other-none = ⟦xx⟧ lmis_facility_code { $code } does not belong to LMIS facility { $id }, which has no code
match-check-program-not-supported = ⟦xx⟧ the LMIS facility does not support program { $program } of form { $form }; ask the LMIS administrator to add it, or leave the form out of the facility's forms
match-check-program-unknown = ⟦xx⟧ the LMIS has no program { $program }
match-check-product-unknown = ⟦xx⟧ the LMIS program has no product with code { $code }
match-check-orderable-other = ⟦xx⟧ the form says orderable { $id }, but the LMIS product { $code } is { $actual }
match-check-reason-direction = ⟦xx⟧ the reason '{ $name }' is a { $kind } in the LMIS, but { $movement } needs a { $needed }; set lmis.reasons.{ $key } in the form
match-check-reason-unknown = ⟦xx⟧ the LMIS has no valid reason '{ $name }' for { $movement }; set lmis.reasons.{ $key } in the form to one of the LMIS's reasons

## mapping suggest and mapping check

tool-none = ⟦xx⟧ none
tool-map-facilities = ⟦xx⟧ facilities ({ $org_units } org units, { $lmis } LMIS facilities):
tool-map-products = ⟦xx⟧ products:
tool-map-reasons = ⟦xx⟧ reasons:
tool-map-proposal = ⟦xx⟧ match { $confidence }% { $left } ({ $left_code }) = { $right } ({ $right_code }): { $evidence }
tool-map-question = ⟦xx⟧ decide { $name } ({ $code }): { $why }; candidates: { $candidates }
tool-map-reason = ⟦xx⟧ reason for { $movement } (facility types { $types }): '{ $name }' { $confidence }%: { $evidence }
tool-map-reason-open = ⟦xx⟧ decide the reason for { $movement } (facility types { $types }): the LMIS has no '{ $wanted }'; its reasons, closest first: { $candidates }
tool-map-problem = ⟦xx⟧ problem: { $problem }
tool-map-written = ⟦xx⟧ { $count } facilities written to { $path }
tool-map-not-written = ⟦xx⟧ the facility map was not written
tool-map-undecided = ⟦xx⟧ { $count } item(s) to decide: put your choices in a decisions file and run again with --decisions
tool-map-all-match = ⟦xx⟧ the facility map and the forms match both servers
tool-map-mismatch = ⟦xx⟧ { $subject }: { $problem }
tool-map-mismatch-candidates = ⟦xx⟧ { $subject }: { $problem }; the server has, closest first: { $candidates }

## metadata pull, lmis check

tool-meta-service = ⟦xx⟧ form { $form }: { $kept } field(s) kept, { $added } added, { $removed } removed{ $written }
tool-meta-stock = ⟦xx⟧ form { $form } stock: { $kept } product(s) kept, { $added } added, { $removed } removed{ $written }
tool-meta-written = ⟦xx⟧ ; written to { $path }
tool-meta-unchanged = ⟦xx⟧ ; unchanged
tool-meta-added = ⟦xx⟧ added   { $item }
tool-meta-removed = ⟦xx⟧ removed { $item }
tool-lmis-match = ⟦xx⟧ the forms and the facility map match the LMIS

## forms, validate

tool-period-type = ⟦xx⟧ { $type ->
        [daily] Daily
        [weekly] Weekly
        [monthly] Monthly
        [quarterly] Quarterly
        [yearly] Yearly
        [biweekly] Every two weeks
        [bimonthly] Every two months
        [sixmonthly] Six-monthly
        [sixmonthlyapril] Six-monthly (from April)
        [financialapril] Financial year (from April)
        [financialjuly] Financial year (from July)
        [financialoct] Financial year (from October)
       *[other] { $type }
    }
tool-forms-counts = ⟦xx⟧ { $period_type } ({ $fields } service fields, { $products } products)
tool-validate-clean = ⟦xx⟧ no problems found

## inspect

tool-inspect-revisions = ⟦xx⟧ revisions:
tool-inspect-revision = ⟦xx⟧ { $revision } recorded { $at } (form version { $version }), sha256 { $hash }
tool-inspect-exchanges = ⟦xx⟧ requests sent and answers:
tool-inspect-no-answer = ⟦xx⟧ no answer
tool-inspect-no-answer-error = ⟦xx⟧ no answer: { $error }
tool-inspect-exchange-size = ⟦xx⟧ ({ $ms } ms, { $sent } B sent, { $received } B received)
tool-inspect-sent = ⟦xx⟧ sent:     { $body }
tool-inspect-answered = ⟦xx⟧ answered: { $body }
tool-inspect-audit = ⟦xx⟧ audit trail:
tool-audit-event = ⟦xx⟧ { $event ->
        [recorded] recorded
        [corrected] corrected
        [enqueued] enqueued
        [sending] sending
        [delivered] delivered
        [rejected] rejected
        [waiting] waiting
        [held] held
        [requeued] requeued
        [superseded] superseded
        [imported] imported
        [escrow_exported] exported
       *[other] { $event }
    }

## diagnose, export, import, keygen

tool-diagnose-written = ⟦xx⟧ wrote { $path } ({ $bytes } bytes, gzipped JSON): { $forms } form(s), { $open ->
        [one] { $open } delivery
       *[other] { $open } deliveries
    } still to make; no passwords, tokens or keys are in it
tool-export-written = ⟦xx⟧ wrote { $forms } form(s), { $revisions } revision(s), { $undelivered } with a delivery still to make, to { $path } (encrypted; only the district key opens it)
tool-export-look-up = ⟦xx⟧ this device will look its { $count ->
        [one] { $count } LMIS delivery
       *[other] { $count } LMIS deliveries
    } up in the LMIS before sending, so nothing is sent twice once the file is imported elsewhere
tool-import-report = ⟦xx⟧ imported { $count } revision(s); { $queued ->
        [one] { $queued } delivery
       *[other] { $queued } deliveries
    } queued for the next sync
tool-import-added = ⟦xx⟧ added    { $facility } { $form } { $period } revision { $revision } ({ $id })
tool-import-skipped-title = ⟦xx⟧ skipped { $count } revision(s) already in this outbox with the same contents:
tool-import-skipped = ⟦xx⟧ skipped  { $facility } { $form } { $period } revision { $revision } ({ $id })
tool-keygen-written = ⟦xx⟧ secret key written to { $path } (keep it safe and off the devices; without it no export can be opened). Give devices the public key above: cli-sim export --unsent --to { $key } --out FILE

## resend, send-incomplete, acknowledge-damaged

tool-resend = ⟦xx⟧ { $count } refused part(s) of { $id } will be sent at the next sync
tool-send-incomplete = ⟦xx⟧ the requisition of { $id }'s period will be sent at the next sync, without the missing months
tool-send-incomplete-none = ⟦xx⟧ no requisition of { $id }'s period is waiting yet; sync once first
tool-ack-none = ⟦xx⟧ no damaged copy of the outbox is waiting to be acknowledged
tool-ack-done = ⟦xx⟧ acknowledged: { $path } (the file stays on disk; it is no longer reported)

## Lines every command may print

tool-warning = ⟦xx⟧ warning: { $text }
tool-warning-no-locale = ⟦xx⟧ there are no messages in '{ $locale }'; showing English (the agent speaks en, fr, pt and sw)
tool-warning-read-only = ⟦xx⟧ the outbox { $path } cannot be written (read-only storage or permissions): forms can be listed but not saved or sent

## record --file, sync --retry-*, JSON

tool-record-duplicate = ⟦xx⟧ this form was already saved with the same content (revision { $revision }); nothing new was written
tool-record-correction = ⟦xx⟧ saved as revision { $revision } (a correction of the earlier form)
tool-record-confirmed = ⟦xx⟧ confirmed warnings:
tool-record-not-saved-errors = ⟦xx⟧ not saved: fix the errors above and record again.
tool-record-not-saved-warnings = ⟦xx⟧ not saved: check the warnings above; if the numbers are right, record again with --confirm-warnings.
tool-sync-released-backoff = ⟦xx⟧ retry: the backoff is forgotten; { $count } delivery(ies) that were waiting for their next attempt are due now
tool-sync-released-holds = ⟦xx⟧ retry: held destinations (refused credentials, a wrong address, something answering instead of the server) are tried again in this pass
tool-json-error = ⟦xx⟧ error: cannot print JSON: { $detail }

## The interactive recorder (cli-sim record without --file)

rec-intro = ⟦xx⟧ Recording a form. Type each number and press Enter.
    Enter accepts the value offered ("Enter for ...") or leaves an optional field empty;
    - empties a field; q stops without saving (so does Ctrl-D).
rec-end-of-input = ⟦xx⟧ End of input: the form was not saved.
rec-stopped = ⟦xx⟧ Stopped: the form was not saved.
rec-io-error = ⟦xx⟧ The terminal could not be read or written ({ $error }): the form was not saved.
rec-error = ⟦xx⟧ Error: { $message }
rec-warning = ⟦xx⟧ Warning: { $message }
rec-keep = ⟦xx⟧ Keep { $value }? [Y/n]
rec-keep-help = ⟦xx⟧ Type y to keep it or n to enter it again.
rec-it-empty = ⟦xx⟧ it empty
rec-not-in-list = ⟦xx⟧ '{ $answer }' is not in the list; type a number from 1 to { $count } or a code from the list.
rec-form = ⟦xx⟧ Form: { $title } ({ $id })
rec-no-form = ⟦xx⟧ This tablet has no form '{ $id }'.
rec-forms = ⟦xx⟧ Forms:
rec-pick-form = ⟦xx⟧ Form (number or id):
rec-facilities = ⟦xx⟧ Facilities that report this form:
rec-pick-facility = ⟦xx⟧ Facility (number or code):
rec-facility = ⟦xx⟧ Facility: { $code } { $name }
rec-period-prompt = ⟦xx⟧ Period ({ $type }; Enter for { $suggestion }):
rec-period = ⟦xx⟧ Period: { $period }
rec-already-saved = ⟦xx⟧ This form is already saved for { $facility } { $period } (submission { $id }, revision { $revision }).
    What you enter now is saved as a correction; Enter keeps each saved value.
rec-or-more = ⟦xx⟧ { $min } or more
rec-required = ⟦xx⟧ required
rec-optional = ⟦xx⟧ optional
rec-may-be-negative = ⟦xx⟧ may be negative
rec-days = ⟦xx⟧ days
rec-enter-for = ⟦xx⟧ ; Enter for { $value }{ $why }
rec-closing-of = ⟦xx⟧ , the closing balance of { $period }
rec-stock-title = ⟦xx⟧ Stock: { $name } ({ $code })
rec-stock-title-unit = ⟦xx⟧ Stock: { $name } ({ $code }), counted in { $unit }
rec-stock-opening_balance = ⟦xx⟧ Opening balance
rec-stock-received = ⟦xx⟧ Received
rec-stock-consumed = ⟦xx⟧ Consumed
rec-stock-losses = ⟦xx⟧ Losses (expired, damaged, lost)
rec-stock-adjustments = ⟦xx⟧ Adjustments
rec-stock-closing_balance = ⟦xx⟧ Closing balance
rec-stock-stockout_days = ⟦xx⟧ Stock-out days
rec-stock-requested_quantity = ⟦xx⟧ Requested quantity
rec-again = ⟦xx⟧ Again from the opening balance of { $code }:
rec-retype-closing = ⟦xx⟧ Type the counted closing balance again, or r to enter this product's numbers again.
rec-closing-entered = ⟦xx⟧ (closing balance entered: { $value })
rec-to-order = ⟦xx⟧ To order: { $line }
rec-note = ⟦xx⟧ Note: { $message } (You will be asked about this before saving.)
rec-comment = ⟦xx⟧ Comment
rec-captured-by = ⟦xx⟧ Captured by (name or initials)
rec-value = ⟦xx⟧ Value
rec-enter-keeps = ⟦xx⟧ optional; Enter keeps "{ $value }"
rec-checked = ⟦xx⟧ Before saving, the form was checked:
rec-cannot-correct = ⟦xx⟧ These problems cannot be corrected here: the form was not saved.
rec-errors-prompt = ⟦xx⟧ The form cannot be saved with errors. Press Enter to correct the fields named, or q to stop without saving:
rec-warnings-help = ⟦xx⟧ (y saves the form with these warnings; e lets you correct the fields named; n or Enter stops without saving.)
rec-confirm-prompt = ⟦xx⟧ Confirm and save? [y/N]
rec-not-confirmed = ⟦xx⟧ Not saved: the warnings were not confirmed. Check the register and the stock cards, then record the form again.
rec-type-yne = ⟦xx⟧ Type y, n or e.
rec-warnings-not-field = ⟦xx⟧ These warnings are not about a field of the form.
rec-saved = ⟦xx⟧ Saved: submission { $id }, revision { $revision }
rec-duplicate = ⟦xx⟧ This form was already saved with the same content; nothing new was written.
rec-correction = ⟦xx⟧ It is a correction of the form saved earlier; the new revision will be sent.
rec-next-sync = ⟦xx⟧ It will be sent at the next sync.
