# Matokeo ya ukaguzi: kile ukaguzi unasema kuhusu rasimu. Hoja ($jina)
# hujazwa na programu; usiondoe hoja yoyote ambayo ujumbe unatumia.
# Maneno rahisi kwa mhudumu wa afya. Kamusi: docs/i18n/sw-glossary.md.

## Majina yanayotumika ndani ya jumbe nyingine

quantity-opening_balance = salio la mwanzo
quantity-received = kiasi kilichopokelewa
quantity-consumed = kiasi kilichotumika
quantity-losses = upotevu
quantity-adjustments = marekebisho
quantity-closing_balance = salio la mwisho
quantity-stockout_days = siku za kukosa bidhaa
quantity-requested_quantity = kiasi kilichoombwa

json-type-empty = tupu
json-type-bool = kweli/si kweli
json-type-number = namba
json-type-text = maandishi
json-type-list = orodha
json-type-object = kitu (object)

text-field-comment = Maoni
text-field-captured_by = 'Imejazwa na'

## Fomu, kituo, kipindi

finding-form-missing = Chagua ni fomu gani (fomu haijachaguliwa).
finding-form-unknown = Kifaa hiki hakina fomu '{ $form }'. Fomu kinazozijua ni: { $known }.
finding-facility-missing = Weka namba ya kituo (haipo).
finding-facility-unknown = Kituo '{ $facility }' hakipo kwenye orodha ya vituo ya kifaa hiki. Hakikisha namba ya kituo, au mwombe msimamizi wako akiongeze kwenye orodha ya vituo.
finding-facility-form = { $name } ({ $code }) hakitumi fomu '{ $form }'. Hakikisha kituo na fomu.
finding-facility-no-dhis2 = { $name } ({ $code }) hakina kitengo cha DHIS2 kwenye orodha ya vituo, kwa hiyo huduma zake haziwezi kutumwa. Mwombe msimamizi wako akiunganishe.
finding-facility-no-lmis = { $name } ({ $code }) hakina kituo cha LMIS kwenye orodha ya vituo, kwa hiyo bidhaa zake haziwezi kutumwa. Mwombe msimamizi wako akiunganishe.
finding-period-missing = Weka kipindi cha fomu hii, kwa mfano 2026-10.
finding-period-invalid = { $detail }
finding-period-future = Kipindi { $period } bado hakijaanza (kinaanza tarehe { $start }). Hakikisha kipindi; ripoti haiwezi kutolewa kabla ya wakati wake.
finding-period-not-over = Kipindi { $period } bado hakijaisha (kinaisha tarehe { $end }), kwa hiyo namba zake huenda hazijakamilika. Thibitisha ili kuhifadhi sasa hata hivyo.
finding-period-old = Kipindi { $period } kiliisha tarehe { $end }, { $years ->
        [0] { $months ->
                [one] mwezi { $months }
               *[other] miezi { $months }
            }
       *[other] { $months ->
                [0] miaka { $years }
                [one] miaka { $years } na mwezi { $months }
               *[other] miaka { $years } na miezi { $months }
            }
    } iliyopita. Hakikisha kuwa ni kipindi sahihi (mwezi na mwaka); kama ni sahihi, thibitisha ili kuhifadhi.

## Maandishi huru

hidden-kind-direction = alama ya mwelekeo wa maandishi
hidden-kind-control = herufi ya udhibiti
hidden-advice-lines = Herufi zilizofichwa zinaweza kufanya maandishi yaonekane tofauti na yaliyoandikwa. Zifute (au andika maandishi upya); kuanza mstari mpya kunaruhusiwa.
hidden-advice-line = Herufi zilizofichwa zinaweza kufanya maandishi yaonekane tofauti na yaliyoandikwa. Zifute, au andika upya.
finding-text-hidden-one = { $field }: kuna herufi iliyofichwa, { $char } ({ $kind }) kwenye herufi ya { $at }. { $advice }
finding-text-hidden-many = { $field }: kuna herufi { $count } zilizofichwa ({ $char1 } kwenye herufi ya { $at1 }, { $char2 } kwenye herufi ya { $at2 }{ $shown ->
        [3] , { $char3 } kwenye herufi ya { $at3 }
       *[other] {""}
    }{ $more ->
        [0] {""}
       *[other] {" "}na nyingine { $more }
    }). { $advice }
finding-comment-too-long = Maoni yana herufi { $length }; yaweke chini ya { $max }.
finding-captured-by-too-long = 'Imejazwa na' ni ndefu mno; weka jina au herufi za mwanzo za jina (zisizozidi { $max }).

## Namba za huduma

finding-service-unknown-field = '{ $field }' si sehemu ya fomu '{ $form }'. Iondoe au hakikisha tahajia yake.
finding-service-required = { $label }: sehemu hii ni lazima. Weka namba kutoka kwenye rejista (0 kama hakukuwa na yoyote).
finding-service-negative = { $label }: { $value } ni hasi; idadi haiwezi kuwa chini ya 0.
finding-service-below-min = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } ni chini ya kiwango cha chini cha { $min }. Hakikisha kwenye rejista.
finding-service-above-max = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } ni zaidi ya kiwango cha juu cha { $max } kwa kipindi kimoja. Angalia rejista kama kuna kosa la kuandika.
finding-service-unusually-high = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } ni juu isivyo kawaida (zaidi ya { $limit }). Thibitisha kuwa ni sahihi.

## Bidhaa

finding-stock-unknown-product = Bidhaa '{ $product }' haipo kwenye fomu '{ $form }'. Hakikisha namba ya bidhaa.
finding-stock-missing = { $product }: bidhaa hazijaingizwa. Weka namba za kadi ya bidhaa (0 pale ambapo hakukuwa na kitu).
finding-stock-required = { $product }: { $quantity } ni lazima (weka 0 kama hakukuwa na chochote).
finding-stock-too-large = { $product }: { $value } ni kubwa mno kuwa { $quantity } halisi. Angalia kama kuna kosa la kuandika.
finding-stock-negative = { $product }: { $quantity } haiwezi kuwa hasi ({ $value }).
finding-stock-unusually-high = { $product }: { $quantity } ya { $value } { $unit } ni juu isivyo kawaida (zaidi ya { $limit }). Thibitisha kuwa ni sahihi.
finding-stock-balance = { $product }: salio la mwisho lingepaswa kuwa { $unit } { $expected } (salio la mwanzo { $opening } + zilizopokelewa { $received } − zilizotumika { $consumed } − upotevu { $losses } { $adjustments_sign ->
        [minus] −
       *[plus] +
    } marekebisho { $adjustments }), lakini { $closing } imeingizwa. { $expected_sign ->
        [minus] Kilichotumika ni zaidi ya kilichokuwepo: hakikisha namba za matumizi na upotevu.
       *[plus] Hesabu bidhaa upya, au sahihisha moja ya namba.
    }
finding-stockout-days-too-many = { $product }: siku { $days } za kukosa bidhaa ni zaidi ya siku { $max } za { $period }. Weka idadi ya siku ambazo bidhaa haikuwepo.
finding-stockout-all-days-consumed = { $product }: bidhaa haikuwepo siku zote { $max } za kipindi, lakini { $unit } { $consumed } zilitumika. Thibitisha, au sahihisha siku za kukosa bidhaa.
finding-stockout-days-missing = { $product }: salio la mwisho ni 0 lakini hakuna siku za kukosa bidhaa zilizoandikwa. Weka siku ambazo bidhaa haikuwepo, au thibitisha.
finding-stockout-risk = { $product }: bidhaa zilizopo zinatosha { $months ->
        [one] mwezi { $months }
       *[other] miezi { $months }
    } tu, chini ya kiwango cha chini cha { $minimum ->
        [one] mwezi { $minimum }
       *[other] miezi { $minimum }
    }: agiza sasa (kiasi kinachopendekezwa: { $quantity }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    }).
finding-opening-not-previous-closing = { $product }: salio la mwanzo { $opening } si sawa na salio la mwisho { $previous } lililoandikwa kwa { $previous_period }. Hakikisha kadi ya bidhaa, au thibitisha.
finding-lmis-mapping = { $problem }. Sehemu ya bidhaa ya fomu hii haitafika kwenye LMIS hadi msimamizi wako arekebishe uunganishaji; huduma bado zinakwenda DHIS2.

## Kanuni za fomu yenyewe (majina na ushauri vinatoka kwenye fomu)

finding-rule-more = { $left } ({ $left_value }) ni zaidi ya { $right } ({ $right_value }). { $advice }
finding-rule-less = { $left } ({ $left_value }) ni chini ya { $right } ({ $right_value }). { $advice }
finding-rule-not-equal = { $left } ({ $left_value }) si sawa na { $right } ({ $right_value }). { $advice }
finding-rule-ratio-zero = { $left } ni { $left_value } lakini { $right } ni 0; ilitarajiwa { $band ->
        [between] kati ya mara { $min } na mara { $max }
        [at_least] angalau mara { $min }
        [at_most] isizidi mara { $max }
       *[none] {""}
    } ya { $right }. { $advice }
finding-rule-ratio = { $left } ({ $left_value }) ni mara { $ratio } ya { $right } ({ $right_value }); ilitarajiwa { $band ->
        [between] kati ya mara { $min } na mara { $max }
        [at_least] angalau mara { $min }
        [at_most] isizidi mara { $max }
       *[none] {""}
    }. { $advice }
rule-advice-default = Linganisha namba zote mbili na rejista na kadi ya bidhaa.

## Kusoma faili la rasimu

finding-draft-not-text = { $key } lazima iwe maandishi, si { $type }
finding-draft-duplicate-key = { $path } imeandikwa { $count ->
        [2] mara mbili
       *[other] mara { $count }
    } kwenye rasimu, kwa hiyo haijulikani ni thamani ipi. Acha moja na ufute { $count ->
        [2] nyingine
       *[other] zilizobaki
    }, kisha jaribu tena.
finding-draft-unknown-key = '{ $key }' si sehemu ya fomu; iondoe au hakikisha tahajia yake
finding-draft-service-not-object = service lazima iwe kitu (object) cha sehemu: namba, si { $type }
finding-draft-stock-not-object = bidhaa ya { $product } lazima iwe kitu (object) cha viwango, si { $type }
finding-draft-stock-not-products = stock lazima iwe kitu (object) cha bidhaa: viwango, si { $type }
finding-draft-not-stock-quantity = '{ $key }' si kiwango cha bidhaa; tumia opening_balance, received, consumed, losses, adjustments, closing_balance, stockout_days au requested_quantity
finding-draft-number-too-large = { $number } ni kubwa mno; weka namba kamili
finding-draft-number-not-whole = { $number } si namba kamili; weka namba kamili
finding-draft-number-is-text = "{ $text }" ni maandishi, si namba; weka namba kamili
finding-draft-number-is-bool = { $value } si namba; weka namba kamili
finding-draft-number-is-list = orodha si namba; weka namba kamili
finding-draft-number-is-object = kitu (object) si namba; weka namba kamili

## Vipindi visivyosomeka ($input: kilichoandikwa)

period-empty = Hakuna kipindi kilichoandikwa. Kiandike kama 2026-10 (mwezi), 2026-Q4 (robo mwaka) au 2026 (mwaka).
period-unrecognised = "{ $input }" si kipindi kinachotambulika. Kiandike kama 2026-10 (mwezi), 2026-W44 (wiki), 2026-Q4 (robo mwaka) au 2026 (mwaka).
period-year-range = "{ $input }" si kipindi halisi: mwaka lazima uwe kati ya { $min } na { $max }.
period-day-zero = "{ $input }" si kipindi halisi: hakuna siku 0 (siku zinaanza 01).
period-month-days = "{ $input }" si kipindi halisi: { $period } ina siku { $days } tu.
period-week-zero = "{ $input }" si kipindi halisi: hakuna wiki 0 (wiki zinaanza 1).
period-year-weeks = "{ $input }" si kipindi halisi: mwaka { $year } una wiki { $weeks } tu.
period-biweek = "{ $input }" si kipindi halisi: vipindi vya wiki mbili vya { $year } vina namba 1 hadi { $count }.
period-month = "{ $input }" si kipindi halisi: hakuna mwezi { $month } (miezi ni 01 hadi 12).
period-bimonth = "{ $input }" si kipindi halisi: hakuna kipindi cha miezi miwili { $index } (vina namba 01 hadi 06; 01B ni Januari na Februari).
period-quarter = "{ $input }" si kipindi halisi: hakuna robo mwaka { $quarter } (ni Q1 hadi Q4).
period-half = "{ $input }" si kipindi halisi: hakuna nusu mwaka S{ $half } (kuna S1 na S2 tu).

## Issue 15, stored messages (wt-15c)
# Kipindi cha aina nyingine kuliko cha fomu
period-wrong-type = { $input } ni { $found ->
        [Daily] siku
        [Weekly] wiki
        [BiWeekly] kipindi cha wiki mbili
        [Monthly] mwezi
        [BiMonthly] kipindi cha miezi miwili
        [Quarterly] robo mwaka
        [SixMonthly] nusu mwaka
        [SixMonthlyApril] nusu mwaka inayoanza Aprili au Oktoba
        [Yearly] mwaka
        [FinancialApril] mwaka wa fedha unaoanza Aprili
        [FinancialJuly] mwaka wa fedha unaoanza Julai
        [FinancialOct] mwaka wa fedha unaoanza Oktoba
       *[other] kipindi cha aina nyingine
    }, lakini fomu hii hujazwa { $expected ->
        [Daily] kila siku (kwa mfano 2026-11-30 au 20261130)
        [Weekly] kila wiki (kwa mfano 2026-W44 au 2026W44)
        [BiWeekly] kila wiki mbili (kwa mfano 2026-BiW22 au 2026BiW22)
        [Monthly] kila mwezi (kwa mfano 2026-10 au 202610)
        [BiMonthly] kila miezi miwili (kwa mfano 2026-01B au 202601B)
        [Quarterly] kila robo mwaka (kwa mfano 2026-Q4 au 2026Q4)
        [SixMonthly] kila miezi sita (kwa mfano 2026-S1 au 2026S1)
        [SixMonthlyApril] kila miezi sita, kuanzia Aprili na Oktoba (kwa mfano 2026AprilS1)
        [Yearly] kila mwaka (kwa mfano 2026)
        [FinancialApril] kila mwaka, kwa mwaka wa fedha unaoanza Aprili (kwa mfano 2026April)
        [FinancialJuly] kila mwaka, kwa mwaka wa fedha unaoanza Julai (kwa mfano 2026July)
        [FinancialOct] kila mwaka, kwa mwaka wa fedha unaoanza Oktoba (kwa mfano 2026Oct)
       *[other] { $expected }
    }.
# Jinsi kiasi cha kuagiza kilivyohesabiwa, mstari mmoja kwa kila hatua
resupply-step-consumed = { $period }: kiasi kilichotumika { $consumed }
resupply-step-adjusted = { $period }: kiasi kilichotumika { $consumed } na siku { $days } za kukosa bidhaa, kimerekebishwa { $consumed } × 30 / (30 − { $days }) = { $adjusted } (kimezungushwa juu)
resupply-step-amc = wastani wa matumizi ya mwezi = ({ $terms }) / { $count } = { $amc } (umezungushwa juu)
resupply-step-amc-short = wastani wa matumizi ya mwezi = ({ $terms }) / { $count } = { $amc } (umezungushwa juu); miezi { $count } tu kati ya { $wanted } inayotakiwa imerekodiwa
resupply-step-months = miezi ya bidhaa zilizopo = { $closing } / { $amc } = { $months }
resupply-step-months-none = miezi ya bidhaa zilizopo: hakuna kilichotumika, haijahesabiwa
resupply-step-max = kiwango cha juu cha bidhaa = { $amc } × miezi { $max_months } = { $max }
resupply-step-order = kiasi cha kuagiza kinachopendekezwa = { $max } − { $closing } = { $suggested }
resupply-step-order-floor = kiasi cha kuagiza kinachopendekezwa = { $max } − { $closing } = { $suggested } (si chini ya 0)
