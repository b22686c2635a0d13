# cli-sim's set-up and support commands (mapping, metadata, lmis, inspect,
# forms, validate, diagnose, export/import, resend…) and the matching of
# master lists. Names, codes, numbers, paths and JSON are arguments.

## Stock movements (the LMIS reasons' subjects)

movement-consumed = consumed
movement-received = received
movement-losses = losses
movement-positive_adjustment = positive adjustment
movement-negative_adjustment = negative adjustment
movement-credit_correction = correction adding stock back
movement-debit_correction = correction taking stock away

## Matching master lists (mapping suggest)

match-evidence-code = the same code { $code } on both sides
match-evidence-name = the same name once normalised ('{ $name }')
match-evidence-not-supported = the LMIS facility does not support this program
match-evidence-pack = the LMIS counts in packs of { $count }
match-evidence-reason-name = the LMIS has a reason named '{ $name }'
match-evidence-reason-tag-credit = the only credit reason of the LMIS tagged '{ $tag }'
match-evidence-reason-tag-debit = the only debit reason of the LMIS tagged '{ $tag }'
match-evidence-decision = your decision
match-why-shared-code = { $count } items of the other list have this code: { $names }
match-why-shared-name = { $count } items of the other list have this name: { $names }
match-why-merge = { $count } items of this list want the same one ({ $names }): a merge or a duplicate
match-why-unmatched = no item of the other list has this code or this name
match-problem-unknown-org-unit = the decisions name the DHIS2 org unit { $id }, which is not among the data sets' org units
match-problem-unknown-lmis-code = the decisions name the LMIS facility code { $code }, which the LMIS does not have
match-problem-empty-decision = a facility decision names neither dhis2_org_unit nor lmis_facility_code
match-problem-reason-decision-credit = the decision for { $movement } names '{ $name }', which is not a credit reason of the LMIS for facility types { $types }
match-problem-reason-decision-debit = the decision for { $movement } names '{ $name }', which is not a debit reason of the LMIS for facility types { $types }

## Checking the facility map and the forms (mapping check)

match-subject-facility = facility { $code }
match-subject-form = form { $form }
match-subject-product = form { $form } product { $product }
match-subject-reason = form { $form } reason for { $movement }
match-check-org-unit-unknown = dhis2_org_unit { $org_unit } is not assigned to the forms' data sets in DHIS2; choose one of the org units DHIS2 has
match-check-org-unit-missing = dhis2_org_unit is missing, but the facility reports a form that goes to DHIS2; add the org unit's uid
match-check-lmis-missing = lmis_facility_id and lmis_facility_code are missing, but the facility reports stock to the LMIS; add both
match-check-lmis-id-missing = lmis_facility_id is missing; the LMIS gives { $id } for code { $code }: add "lmis_facility_id": "{ $id }"
match-check-lmis-code-unknown = lmis_facility_id is missing and the LMIS has no facility with code { $code }
match-check-lmis-id-unknown = the LMIS has no facility with id { $id }
match-check-lmis-code-other = lmis_facility_code { $code } does not belong to LMIS facility { $id }, whose code is { $actual }
match-check-lmis-code-other-none = lmis_facility_code { $code } does not belong to LMIS facility { $id }, which has no code
match-check-program-not-supported = the LMIS facility does not support program { $program } of form { $form }; ask the LMIS administrator to add it, or leave the form out of the facility's forms
match-check-program-unknown = the LMIS has no program { $program }
match-check-product-unknown = the LMIS program has no product with code { $code }
match-check-orderable-other = the form says orderable { $id }, but the LMIS product { $code } is { $actual }
match-check-reason-direction = the reason '{ $name }' is a { $kind } in the LMIS, but { $movement } needs a { $needed }; set lmis.reasons.{ $key } in the form
match-check-reason-unknown = the LMIS has no valid reason '{ $name }' for { $movement }; set lmis.reasons.{ $key } in the form to one of the LMIS's reasons

## mapping suggest and mapping check

tool-none = none
tool-map-facilities = facilities ({ $org_units } org units, { $lmis } LMIS facilities):
tool-map-products = products:
tool-map-reasons = reasons:
tool-map-proposal = match { $confidence }% { $left } ({ $left_code }) = { $right } ({ $right_code }): { $evidence }
tool-map-question = decide { $name } ({ $code }): { $why }; candidates: { $candidates }
tool-map-reason = reason for { $movement } (facility types { $types }): '{ $name }' { $confidence }%: { $evidence }
tool-map-reason-open = decide the reason for { $movement } (facility types { $types }): the LMIS has no '{ $wanted }'; its reasons, closest first: { $candidates }
tool-map-problem = problem: { $problem }
tool-map-written = { $count } facilities written to { $path }
tool-map-not-written = the facility map was not written
tool-map-undecided = { $count } item(s) to decide: put your choices in a decisions file and run again with --decisions
tool-map-all-match = the facility map and the forms match both servers
tool-map-mismatch = { $subject }: { $problem }
tool-map-mismatch-candidates = { $subject }: { $problem }; the server has, closest first: { $candidates }

## metadata pull, lmis check

tool-meta-service = form { $form }: { $kept } field(s) kept, { $added } added, { $removed } removed{ $written }
tool-meta-stock = form { $form } stock: { $kept } product(s) kept, { $added } added, { $removed } removed{ $written }
tool-meta-written = ; written to { $path }
tool-meta-unchanged = ; unchanged
tool-meta-added = added   { $item }
tool-meta-removed = removed { $item }
tool-lmis-match = the forms and the facility map match the LMIS

## forms, validate

tool-period-type = { $type ->
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
tool-forms-counts = { $period_type } ({ $fields } service fields, { $products } products)
tool-validate-clean = no problems found

## inspect

tool-inspect-revisions = revisions:
tool-inspect-revision = { $revision } recorded { $at } (form version { $version }), sha256 { $hash }
tool-inspect-exchanges = requests sent and answers:
tool-inspect-no-answer = no answer
tool-inspect-no-answer-error = no answer: { $error }
tool-inspect-exchange-size = ({ $ms } ms, { $sent } B sent, { $received } B received)
tool-inspect-sent = sent:     { $body }
tool-inspect-answered = answered: { $body }
tool-inspect-audit = audit trail:
tool-audit-event = { $event ->
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

tool-diagnose-written = wrote { $path } ({ $bytes } bytes, gzipped JSON): { $forms } form(s), { $open ->
        [one] { $open } delivery
       *[other] { $open } deliveries
    } still to make; no passwords, tokens or keys are in it
tool-export-written = wrote { $forms } form(s), { $revisions } revision(s), { $undelivered } with a delivery still to make, to { $path } (encrypted; only the district key opens it)
tool-export-look-up = this device will look its { $count ->
        [one] { $count } LMIS delivery
       *[other] { $count } LMIS deliveries
    } up in the LMIS before sending, so nothing is sent twice once the file is imported elsewhere
tool-import-report = imported { $count } revision(s); { $queued ->
        [one] { $queued } delivery
       *[other] { $queued } deliveries
    } queued for the next sync
tool-import-added = added    { $facility } { $form } { $period } revision { $revision } ({ $id })
tool-import-skipped-title = skipped { $count } revision(s) already in this outbox with the same contents:
tool-import-skipped = skipped  { $facility } { $form } { $period } revision { $revision } ({ $id })
tool-keygen-written = secret key written to { $path } (keep it safe and off the devices; without it no export can be opened). Give devices the public key above: cli-sim export --unsent --to { $key } --out FILE

## resend, send-incomplete, acknowledge-damaged

tool-resend = { $count } refused part(s) of { $id } will be sent at the next sync
tool-send-incomplete = the requisition of { $id }'s period will be sent at the next sync, without the missing months
tool-send-incomplete-none = no requisition of { $id }'s period is waiting yet; sync once first
tool-ack-none = no damaged copy of the outbox is waiting to be acknowledged
tool-ack-done = acknowledged: { $path } (the file stays on disk; it is no longer reported)

## Lines every command may print

tool-warning = warning: { $text }
tool-warning-no-locale = there are no messages in '{ $locale }'; showing English (the agent speaks en, fr, pt and sw)
tool-warning-read-only = the outbox { $path } cannot be written (read-only storage or permissions): forms can be listed but not saved or sent

## record --file, sync --retry-*, JSON

tool-record-duplicate = this form was already saved with the same content (revision { $revision }); nothing new was written
tool-record-correction = saved as revision { $revision } (a correction of the earlier form)
tool-record-confirmed = confirmed warnings:
tool-record-not-saved-errors = not saved: fix the errors above and record again.
tool-record-not-saved-warnings = not saved: check the warnings above; if the numbers are right, record again with --confirm-warnings.
tool-sync-released-backoff = retry: the backoff is forgotten; { $count } delivery(ies) that were waiting for their next attempt are due now
tool-sync-released-holds = retry: held destinations (refused credentials, a wrong address, something answering instead of the server) are tried again in this pass
tool-json-error = error: cannot print JSON: { $detail }

## The interactive recorder (cli-sim record without --file)

rec-intro = Recording a form. Type each number and press Enter.
    Enter accepts the value offered ("Enter for ...") or leaves an optional field empty;
    - empties a field; q stops without saving (so does Ctrl-D).
rec-end-of-input = End of input: the form was not saved.
rec-stopped = Stopped: the form was not saved.
rec-io-error = The terminal could not be read or written ({ $error }): the form was not saved.
rec-error = Error: { $message }
rec-warning = Warning: { $message }
rec-keep = Keep { $value }? [Y/n]
rec-keep-help = Type y to keep it or n to enter it again.
rec-it-empty = it empty
rec-not-in-list = '{ $answer }' is not in the list; type a number from 1 to { $count } or a code from the list.
rec-form = Form: { $title } ({ $id })
rec-no-form = This tablet has no form '{ $id }'.
rec-forms = Forms:
rec-pick-form = Form (number or id):
rec-facilities = Facilities that report this form:
rec-pick-facility = Facility (number or code):
rec-facility = Facility: { $code } { $name }
rec-period-prompt = Period ({ $type }; Enter for { $suggestion }):
rec-period = Period: { $period }
rec-already-saved = This form is already saved for { $facility } { $period } (submission { $id }, revision { $revision }).
    What you enter now is saved as a correction; Enter keeps each saved value.
rec-or-more = { $min } or more
rec-required = required
rec-optional = optional
rec-may-be-negative = may be negative
rec-days = days
rec-enter-for = ; Enter for { $value }{ $why }
rec-closing-of = , the closing balance of { $period }
rec-stock-title = Stock: { $name } ({ $code })
rec-stock-title-unit = Stock: { $name } ({ $code }), counted in { $unit }
rec-stock-opening_balance = Opening balance
rec-stock-received = Received
rec-stock-consumed = Consumed
rec-stock-losses = Losses (expired, damaged, lost)
rec-stock-adjustments = Adjustments
rec-stock-closing_balance = Closing balance
rec-stock-stockout_days = Stock-out days
rec-stock-requested_quantity = Requested quantity
rec-again = Again from the opening balance of { $code }:
rec-retype-closing = Type the counted closing balance again, or r to enter this product's numbers again.
rec-closing-entered = (closing balance entered: { $value })
rec-to-order = To order: { $line }
rec-note = Note: { $message } (You will be asked about this before saving.)
rec-comment = Comment
rec-captured-by = Captured by (name or initials)
rec-value = Value
rec-enter-keeps = optional; Enter keeps "{ $value }"
rec-checked = Before saving, the form was checked:
rec-cannot-correct = These problems cannot be corrected here: the form was not saved.
rec-errors-prompt = The form cannot be saved with errors. Press Enter to correct the fields named, or q to stop without saving:
rec-warnings-help = (y saves the form with these warnings; e lets you correct the fields named; n or Enter stops without saving.)
rec-confirm-prompt = Confirm and save? [y/N]
rec-not-confirmed = Not saved: the warnings were not confirmed. Check the register and the stock cards, then record the form again.
rec-type-yne = Type y, n or e.
rec-warnings-not-field = These warnings are not about a field of the form.
rec-saved = Saved: submission { $id }, revision { $revision }
rec-duplicate = This form was already saved with the same content; nothing new was written.
rec-correction = It is a correction of the form saved earlier; the new revision will be sent.
rec-next-sync = It will be sent at the next sync.
