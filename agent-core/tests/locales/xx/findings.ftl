# A test locale ("xx"): the English text, each message marked ⟦xx⟧.
# It shows that a fifth locale is one folder of .ftl files (tests/integration/i18n_locale_dir.rs).



quantity-opening_balance = ⟦xx⟧ opening balance
quantity-received = ⟦xx⟧ quantity received
quantity-consumed = ⟦xx⟧ quantity consumed
quantity-losses = ⟦xx⟧ losses
quantity-adjustments = ⟦xx⟧ adjustments
quantity-closing_balance = ⟦xx⟧ closing balance
quantity-stockout_days = ⟦xx⟧ stock-out days
quantity-requested_quantity = ⟦xx⟧ quantity requested

json-type-empty = ⟦xx⟧ empty
json-type-bool = ⟦xx⟧ true/false
json-type-number = ⟦xx⟧ a number
json-type-text = ⟦xx⟧ text
json-type-list = ⟦xx⟧ a list
json-type-object = ⟦xx⟧ an object

text-field-comment = ⟦xx⟧ The comment
text-field-captured_by = ⟦xx⟧ 'Captured by'


finding-form-missing = ⟦xx⟧ Choose which form this is (the form is missing).
finding-form-unknown = ⟦xx⟧ This tablet has no form '{ $form }'. The forms it knows are: { $known }.
finding-facility-missing = ⟦xx⟧ Enter the facility code (it is missing).
finding-facility-unknown = ⟦xx⟧ Facility '{ $facility }' is not in this tablet's facility list. Check the code, or ask your supervisor to add it to the facility map.
finding-facility-form = ⟦xx⟧ { $name } ({ $code }) does not report the form '{ $form }'. Check the facility and the form.
finding-facility-no-dhis2 = ⟦xx⟧ { $name } ({ $code }) has no DHIS2 organisation unit in the facility map, so its services cannot be reported. Ask your supervisor to map it.
finding-facility-no-lmis = ⟦xx⟧ { $name } ({ $code }) has no LMIS facility in the facility map, so its stock cannot be reported. Ask your supervisor to map it.
finding-period-missing = ⟦xx⟧ Enter the period the form is for, for example 2026-10.
finding-period-invalid = ⟦xx⟧ { $detail }
finding-period-future = ⟦xx⟧ The period { $period } has not started yet (it starts on { $start }). Check the period; a report cannot be made in advance.
finding-period-not-over = ⟦xx⟧ The period { $period } is not over yet (it ends on { $end }), so its numbers may be incomplete. Confirm to save it now anyway.
finding-period-old = ⟦xx⟧ The period { $period } ended on { $end }, { $years ->
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


hidden-kind-direction = ⟦xx⟧ a text direction control
hidden-kind-control = ⟦xx⟧ a control character
hidden-advice-lines = ⟦xx⟧ Hidden characters can make the text look different from what was typed. Delete them (or type the text again); line breaks are allowed.
hidden-advice-line = ⟦xx⟧ Hidden characters can make the text look different from what was typed. Delete them, or type it again.
finding-text-hidden-one = ⟦xx⟧ { $field } contains a hidden character, { $char } ({ $kind }) at character { $at }. { $advice }
finding-text-hidden-many = ⟦xx⟧ { $field } contains { $count } hidden characters ({ $char1 } at character { $at1 }, { $char2 } at character { $at2 }{ $shown ->
        [3] , { $char3 } at character { $at3 }
       *[other] {""}
    }{ $more ->
        [0] {""}
       *[other] {" "}and { $more } more
    }). { $advice }
finding-comment-too-long = ⟦xx⟧ The comment is { $length } characters long; keep it under { $max }.
finding-captured-by-too-long = ⟦xx⟧ 'Captured by' is too long; enter a name or initials (at most { $max } characters).


finding-service-unknown-field = ⟦xx⟧ '{ $field }' is not a field of the form '{ $form }'. Remove it or check its spelling.
finding-service-required = ⟦xx⟧ { $label }: this field is required. Enter the number from the register (0 if there were none).
finding-service-negative = ⟦xx⟧ { $label }: { $value } is negative; a count cannot be below 0.
finding-service-below-min = ⟦xx⟧ { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } is less than the minimum of { $min }. Check the register.
finding-service-above-max = ⟦xx⟧ { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } is more than the maximum of { $max } for one period. Check the register for a typing mistake.
finding-service-unusually-high = ⟦xx⟧ { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } is unusually high (more than { $limit }). Confirm it is right.


finding-stock-unknown-product = ⟦xx⟧ Product '{ $product }' is not on the form '{ $form }'. Check the product code.
finding-stock-missing = ⟦xx⟧ { $product }: the stock was not entered. Enter the stock card numbers (0 where there were none).
finding-stock-required = ⟦xx⟧ { $product }: the { $quantity } is required (enter 0 if there was none).
finding-stock-too-large = ⟦xx⟧ { $product }: { $value } is too large to be a real { $quantity }. Check for a typing mistake.
finding-stock-negative = ⟦xx⟧ { $product }: the { $quantity } cannot be negative ({ $value }).
finding-stock-unusually-high = ⟦xx⟧ { $product }: the { $quantity } of { $value } { $unit } is unusually high (more than { $limit }). Confirm it is right.
finding-stock-balance = ⟦xx⟧ { $product }: the closing balance should be { $expected } { $unit } ({ $opening } opening + { $received } received − { $consumed } consumed − { $losses } losses { $adjustments_sign ->
        [minus] −
       *[plus] +
    } { $adjustments } adjustments), but { $closing } was entered. { $expected_sign ->
        [minus] More was used than was available: check the consumed and losses numbers.
       *[plus] Count the stock again, or correct one of the numbers.
    }
finding-stockout-days-too-many = ⟦xx⟧ { $product }: { $days } stock-out days is more than the { $max } days in { $period }. Enter the number of days the product was out of stock.
finding-stockout-all-days-consumed = ⟦xx⟧ { $product }: out of stock all { $max } days of the period, but { $consumed } { $unit } were consumed. Confirm, or correct the stock-out days.
finding-stockout-days-missing = ⟦xx⟧ { $product }: the closing balance is 0 but no stock-out days were recorded. Enter the days without stock, or confirm.
finding-stockout-risk = ⟦xx⟧ { $product }: { $months } months of stock left, below the minimum of { $minimum }: order now (suggested: { $quantity } { $unit }).
finding-opening-not-previous-closing = ⟦xx⟧ { $product }: the opening balance { $opening } is not the closing balance { $previous } recorded for { $previous_period }. Check the stock card, or confirm.
finding-lmis-mapping = ⟦xx⟧ { $problem }. The stock part of this form will not reach the LMIS until your supervisor fixes the mapping; the services still go to DHIS2.


finding-rule-more = ⟦xx⟧ { $left } ({ $left_value }) is more than { $right } ({ $right_value }). { $advice }
finding-rule-less = ⟦xx⟧ { $left } ({ $left_value }) is less than { $right } ({ $right_value }). { $advice }
finding-rule-not-equal = ⟦xx⟧ { $left } ({ $left_value }) is not equal to { $right } ({ $right_value }). { $advice }
finding-rule-ratio-zero = ⟦xx⟧ { $left } is { $left_value } but { $right } is 0; expected { $band ->
        [between] between { $min } and { $max } times
        [at_least] at least { $min } times
        [at_most] at most { $max } times
       *[none] {""}
    } { $right }. { $advice }
finding-rule-ratio = ⟦xx⟧ { $left } ({ $left_value }) is { $ratio } times { $right } ({ $right_value }); expected { $band ->
        [between] between { $min } and { $max } times
        [at_least] at least { $min } times
        [at_most] at most { $max } times
       *[none] {""}
    }. { $advice }
rule-advice-default = ⟦xx⟧ Check both numbers against the register and the stock card.


finding-draft-not-text = ⟦xx⟧ { $key } must be text, not { $type }
finding-draft-duplicate-key = ⟦xx⟧ { $path } appears { $count ->
        [2] twice
       *[other] { $count } times
    } in the draft, so it is not clear which value is meant. Keep one and delete the { $count ->
        [2] other
       *[other] others
    }, then try again.
finding-draft-unknown-key = ⟦xx⟧ '{ $key }' is not part of a form; remove it or check its spelling
finding-draft-service-not-object = ⟦xx⟧ service must be an object of field: number, not { $type }
finding-draft-stock-not-object = ⟦xx⟧ the stock of { $product } must be an object of quantities, not { $type }
finding-draft-stock-not-products = ⟦xx⟧ stock must be an object of product: quantities, not { $type }
finding-draft-not-stock-quantity = ⟦xx⟧ '{ $key }' is not a stock quantity; use opening_balance, received, consumed, losses, adjustments, closing_balance, stockout_days or requested_quantity
finding-draft-number-too-large = ⟦xx⟧ { $number } is far too large; enter a whole number
finding-draft-number-not-whole = ⟦xx⟧ { $number } is not a whole number; enter a whole number
finding-draft-number-is-text = ⟦xx⟧ "{ $text }" is text, not a number; enter a whole number
finding-draft-number-is-bool = ⟦xx⟧ { $value } is not a number; enter a whole number
finding-draft-number-is-list = ⟦xx⟧ a list is not a number; enter a whole number
finding-draft-number-is-object = ⟦xx⟧ an object is not a number; enter a whole number

period-empty = ⟦xx⟧ No period was given. Enter it like 2026-10 (a month), 2026-Q4 (a quarter) or 2026 (a year).
period-unrecognised = ⟦xx⟧ "{ $input }" is not a period the agent recognises. Write it like 2026-10 (a month), 2026-W44 (a week), 2026-Q4 (a quarter) or 2026 (a year).
period-year-range = ⟦xx⟧ "{ $input }" is not a real period: the year must be between { $min } and { $max }.
period-day-zero = ⟦xx⟧ "{ $input }" is not a real period: there is no day 0 (days start at 01).
period-month-days = ⟦xx⟧ "{ $input }" is not a real period: { $period } has only { $days } days.
period-week-zero = ⟦xx⟧ "{ $input }" is not a real period: there is no week 0 (weeks start at 1).
period-year-weeks = ⟦xx⟧ "{ $input }" is not a real period: { $year } has only { $weeks } weeks.
period-biweek = ⟦xx⟧ "{ $input }" is not a real period: the two-week periods of { $year } are numbered 1 to { $count }.
period-month = ⟦xx⟧ "{ $input }" is not a real period: there is no month { $month } (months go from 01 to 12).
period-bimonth = ⟦xx⟧ "{ $input }" is not a real period: there is no two-month period { $index } (they are numbered 01 to 06, so 01B is January and February).
period-quarter = ⟦xx⟧ "{ $input }" is not a real period: there is no quarter { $quarter } (quarters go from Q1 to Q4).
period-half = ⟦xx⟧ "{ $input }" is not a real period: there is no half year S{ $half } (there are only S1 and S2).

# issue 15, stored messages (wt-15c)
period-wrong-type = ⟦xx⟧ { $input } is { $found ->
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
resupply-step-consumed = ⟦xx⟧ { $period }: consumed { $consumed }
resupply-step-adjusted = ⟦xx⟧ { $period }: consumed { $consumed } with { $days } days out of stock, adjusted { $consumed } × 30 / (30 − { $days }) = { $adjusted } (rounded up)
resupply-step-amc = ⟦xx⟧ average monthly consumption = ({ $terms }) / { $count } = { $amc } (rounded up)
resupply-step-amc-short = ⟦xx⟧ average monthly consumption = ({ $terms }) / { $count } = { $amc } (rounded up); only { $count } of the { $wanted } months wanted are recorded
resupply-step-months = ⟦xx⟧ months of stock = { $closing } / { $amc } = { $months }
resupply-step-months-none = ⟦xx⟧ months of stock: none consumed, not computed
resupply-step-max = ⟦xx⟧ maximum stock = { $amc } × { $max_months } months = { $max }
resupply-step-order = ⟦xx⟧ suggested order = { $max } − { $closing } = { $suggested }
resupply-step-order-floor = ⟦xx⟧ suggested order = { $max } − { $closing } = { $suggested } (not below 0)
