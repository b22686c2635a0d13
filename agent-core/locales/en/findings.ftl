# $unit in service findings is the form's unit word, or "none".
# Findings: what validation says about a draft. Arguments ($name) are
# filled by the agent; keep every one a message uses. Plain words for a
# health worker: what is wrong and what to do.

## Names used inside other messages

quantity-opening_balance = opening balance
quantity-received = quantity received
quantity-consumed = quantity consumed
quantity-losses = losses
quantity-adjustments = adjustments
quantity-closing_balance = closing balance
quantity-stockout_days = stock-out days
quantity-requested_quantity = quantity requested

json-type-empty = empty
json-type-bool = true/false
json-type-number = a number
json-type-text = text
json-type-list = a list
json-type-object = an object

text-field-comment = The comment
text-field-captured_by = 'Captured by'

## The form, the facility, the period

finding-form-missing = Choose which form this is (the form is missing).
finding-form-unknown = This tablet has no form '{ $form }'. The forms it knows are: { $known }.
finding-facility-missing = Enter the facility code (it is missing).
finding-facility-unknown = Facility '{ $facility }' is not in this tablet's facility list. Check the code, or ask your supervisor to add it to the facility map.
finding-facility-form = { $name } ({ $code }) does not report the form '{ $form }'. Check the facility and the form.
finding-facility-no-dhis2 = { $name } ({ $code }) has no DHIS2 organisation unit in the facility map, so its services cannot be reported. Ask your supervisor to map it.
finding-facility-no-lmis = { $name } ({ $code }) has no LMIS facility in the facility map, so its stock cannot be reported. Ask your supervisor to map it.
finding-period-missing = Enter the period the form is for, for example 2026-10.
finding-period-invalid = { $detail }
finding-period-future = The period { $period } has not started yet (it starts on { $start }). Check the period; a report cannot be made in advance.
finding-period-not-over = The period { $period } is not over yet (it ends on { $end }), so its numbers may be incomplete. Confirm to save it now anyway.
finding-period-old = The period { $period } ended on { $end }, { $years ->
        [0] { $months ->
                [one] { $months } month
               *[other] { $months } months
            }
       *[other] { $months ->
                [0] { $years } years
                [one] { $years } years and { $months } month
               *[other] { $years } years and { $months } months
            }
    } ago. Check that this is the right period (the month and the year); if it is, confirm to save it.

## Free text

hidden-kind-direction = a text direction control
hidden-kind-control = a control character
hidden-advice-lines = Hidden characters can make the text look different from what was typed. Delete them (or type the text again); line breaks are allowed.
hidden-advice-line = Hidden characters can make the text look different from what was typed. Delete them, or type it again.
finding-text-hidden-one = { $field } contains a hidden character, { $char } ({ $kind }) at character { $at }. { $advice }
# Up to three characters are named ($char1…$char3, $at1…$at3); $shown is
# how many, $more how many others there are.
finding-text-hidden-many = { $field } contains { $count } hidden characters ({ $char1 } at character { $at1 }, { $char2 } at character { $at2 }{ $shown ->
        [3] , { $char3 } at character { $at3 }
       *[other] {""}
    }{ $more ->
        [0] {""}
       *[other] {" "}and { $more } more
    }). { $advice }
finding-comment-too-long = The comment is { $length } characters long; keep it under { $max }.
finding-captured-by-too-long = 'Captured by' is too long; enter a name or initials (at most { $max } characters).

## Service numbers

finding-service-unknown-field = '{ $field }' is not a field of the form '{ $form }'. Remove it or check its spelling.
finding-service-required = { $label }: this field is required. Enter the number from the register (0 if there were none).
finding-service-negative = { $label }: { $value } is negative; a count cannot be below 0.
finding-service-below-min = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } is less than the minimum of { $min }. Check the register.
finding-service-above-max = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } is more than the maximum of { $max } for one period. Check the register for a typing mistake.
finding-service-unusually-high = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } is unusually high (more than { $limit }). Confirm it is right.

## Stock

finding-stock-unknown-product = Product '{ $product }' is not on the form '{ $form }'. Check the product code.
finding-stock-missing = { $product }: the stock was not entered. Enter the stock card numbers (0 where there were none).
finding-stock-required = { $product }: the { $quantity } is required (enter 0 if there was none).
finding-stock-too-large = { $product }: { $value } is too large to be a real { $quantity }. Check for a typing mistake.
finding-stock-negative = { $product }: the { $quantity } cannot be negative ({ $value }).
finding-stock-unusually-high = { $product }: the { $quantity } of { $value } { $unit } is unusually high (more than { $limit }). Confirm it is right.
finding-stock-balance = { $product }: the closing balance should be { $expected } { $unit } ({ $opening } opening + { $received } received − { $consumed } consumed − { $losses } losses { $adjustments_sign ->
        [minus] −
       *[plus] +
    } { $adjustments } adjustments), but { $closing } was entered. { $expected_sign ->
        [minus] More was used than was available: check the consumed and losses numbers.
       *[plus] Count the stock again, or correct one of the numbers.
    }
finding-stockout-days-too-many = { $product }: { $days } stock-out days is more than the { $max } days in { $period }. Enter the number of days the product was out of stock.
finding-stockout-all-days-consumed = { $product }: out of stock all { $max } days of the period, but { $consumed } { $unit } were consumed. Confirm, or correct the stock-out days.
finding-stockout-days-missing = { $product }: the closing balance is 0 but no stock-out days were recorded. Enter the days without stock, or confirm.
finding-stockout-risk = { $product }: { $months } { $months ->
        [one] month
       *[other] months
    } of stock left, below the minimum of { $minimum } { $minimum ->
        [one] month
       *[other] months
    }: order now (suggested: { $quantity }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    }).
finding-opening-not-previous-closing = { $product }: the opening balance { $opening } is not the closing balance { $previous } recorded for { $previous_period }. Check the stock card, or confirm.
finding-lmis-mapping = { $problem }. The stock part of this form will not reach the LMIS until your supervisor fixes the mapping; the services still go to DHIS2.

## The form's own rules (labels and advice come from the form)

finding-rule-more = { $left } ({ $left_value }) is more than { $right } ({ $right_value }). { $advice }
finding-rule-less = { $left } ({ $left_value }) is less than { $right } ({ $right_value }). { $advice }
finding-rule-not-equal = { $left } ({ $left_value }) is not equal to { $right } ({ $right_value }). { $advice }
finding-rule-ratio-zero = { $left } is { $left_value } but { $right } is 0; expected { $band ->
        [between] between { $min } and { $max } times
        [at_least] at least { $min } times
        [at_most] at most { $max } times
       *[none] {""}
    } { $right }. { $advice }
finding-rule-ratio = { $left } ({ $left_value }) is { $ratio } times { $right } ({ $right_value }); expected { $band ->
        [between] between { $min } and { $max } times
        [at_least] at least { $min } times
        [at_most] at most { $max } times
       *[none] {""}
    }. { $advice }
rule-advice-default = Check both numbers against the register and the stock card.

## Reading a draft file

finding-draft-not-text = { $key } must be text, not { $type }
finding-draft-duplicate-key = { $path } appears { $count ->
        [2] twice
       *[other] { $count } times
    } in the draft, so it is not clear which value is meant. Keep one and delete the { $count ->
        [2] other
       *[other] others
    }, then try again.
finding-draft-unknown-key = '{ $key }' is not part of a form; remove it or check its spelling
finding-draft-service-not-object = service must be an object of field: number, not { $type }
finding-draft-stock-not-object = the stock of { $product } must be an object of quantities, not { $type }
finding-draft-stock-not-products = stock must be an object of product: quantities, not { $type }
finding-draft-not-stock-quantity = '{ $key }' is not a stock quantity; use opening_balance, received, consumed, losses, adjustments, closing_balance, stockout_days or requested_quantity
finding-draft-number-too-large = { $number } is far too large; enter a whole number
finding-draft-number-not-whole = { $number } is not a whole number; enter a whole number
finding-draft-number-is-text = "{ $text }" is text, not a number; enter a whole number
finding-draft-number-is-bool = { $value } is not a number; enter a whole number
finding-draft-number-is-list = a list is not a number; enter a whole number
finding-draft-number-is-object = an object is not a number; enter a whole number

## Periods that cannot be read ($input: what was typed)

period-empty = No period was given. Enter it like 2026-10 (a month), 2026-Q4 (a quarter) or 2026 (a year).
period-unrecognised = "{ $input }" is not a period the agent recognises. Write it like 2026-10 (a month), 2026-W44 (a week), 2026-Q4 (a quarter) or 2026 (a year).
period-year-range = "{ $input }" is not a real period: the year must be between { $min } and { $max }.
period-day-zero = "{ $input }" is not a real period: there is no day 0 (days start at 01).
period-month-days = "{ $input }" is not a real period: { $period } has only { $days } days.
period-week-zero = "{ $input }" is not a real period: there is no week 0 (weeks start at 1).
period-year-weeks = "{ $input }" is not a real period: { $year } has only { $weeks } weeks.
period-biweek = "{ $input }" is not a real period: the two-week periods of { $year } are numbered 1 to { $count }.
period-month = "{ $input }" is not a real period: there is no month { $month } (months go from 01 to 12).
period-bimonth = "{ $input }" is not a real period: there is no two-month period { $index } (they are numbered 01 to 06, so 01B is January and February).
period-quarter = "{ $input }" is not a real period: there is no quarter { $quarter } (quarters go from Q1 to Q4).
period-half = "{ $input }" is not a real period: there is no half year S{ $half } (there are only S1 and S2).

## Issue 15, stored messages (wt-15c)
# A period of another type than the form's ($found, $expected: DHIS2 period type names)
period-wrong-type = { $input } is { $found ->
        [Daily] a day
        [Weekly] a week
        [BiWeekly] a two-week period
        [Monthly] a month
        [BiMonthly] a two-month period
        [Quarterly] a quarter
        [SixMonthly] a half year
        [SixMonthlyApril] a half year starting in April or October
        [Yearly] a year
        [FinancialApril] a financial year starting in April
        [FinancialJuly] a financial year starting in July
        [FinancialOct] a financial year starting in October
       *[other] a period of another type
    }, but this form is reported { $expected ->
        [Daily] daily (for example 2026-11-30 or 20261130)
        [Weekly] weekly (for example 2026-W44 or 2026W44)
        [BiWeekly] every two weeks (for example 2026-BiW22 or 2026BiW22)
        [Monthly] monthly (for example 2026-10 or 202610)
        [BiMonthly] every two months (for example 2026-01B or 202601B)
        [Quarterly] quarterly (for example 2026-Q4 or 2026Q4)
        [SixMonthly] every six months (for example 2026-S1 or 2026S1)
        [SixMonthlyApril] every six months, starting in April and October (for example 2026AprilS1)
        [Yearly] yearly (for example 2026)
        [FinancialApril] yearly, by financial year starting in April (for example 2026April)
        [FinancialJuly] yearly, by financial year starting in July (for example 2026July)
        [FinancialOct] yearly, by financial year starting in October (for example 2026Oct)
       *[other] { $expected }
    }.
# How the suggested order was computed, one line per step (numbers from the form)
resupply-step-consumed = { $period }: consumed { $consumed }
resupply-step-adjusted = { $period }: consumed { $consumed } with { $days } days out of stock, adjusted { $consumed } × 30 / (30 − { $days }) = { $adjusted } (rounded up)
resupply-step-amc = average monthly consumption = ({ $terms }) / { $count } = { $amc } (rounded up)
resupply-step-amc-short = average monthly consumption = ({ $terms }) / { $count } = { $amc } (rounded up); only { $count } of the { $wanted } months wanted are recorded
resupply-step-months = months of stock = { $closing } / { $amc } = { $months }
resupply-step-months-none = months of stock: none consumed, not computed
resupply-step-max = maximum stock = { $amc } × { $max_months } months = { $max }
resupply-step-order = suggested order = { $max } − { $closing } = { $suggested }
resupply-step-order-floor = suggested order = { $max } − { $closing } = { $suggested } (not below 0)
