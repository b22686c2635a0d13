# Amri za cli-sim za kuandaa na za msaada (mapping, metadata, lmis, inspect,
# forms, validate, diagnose, export/import, resend…) na kulinganisha orodha
# za seva. Majina, namba, misimbo, njia za faili na JSON ni hoja.

## Mienendo ya bidhaa (sababu za LMIS)

movement-consumed = matumizi
movement-received = mapokezi
movement-losses = upotevu
movement-positive_adjustment = marekebisho ya kuongeza
movement-negative_adjustment = marekebisho ya kupunguza
movement-credit_correction = masahihisho yanayorudisha bidhaa
movement-debit_correction = masahihisho yanayoondoa bidhaa

## Kulinganisha orodha (mapping suggest)

match-evidence-code = msimbo uleule { $code } pande zote mbili
match-evidence-name = jina lilelile baada ya kusawazishwa ('{ $name }')
match-evidence-not-supported = kituo cha LMIS hakina programu hii
match-evidence-pack = LMIS inahesabu kwa pakiti za { $count }
match-evidence-reason-name = LMIS ina sababu inayoitwa '{ $name }'
match-evidence-reason-tag-credit = sababu pekee ya kuingiza ya LMIS yenye alama '{ $tag }'
match-evidence-reason-tag-debit = sababu pekee ya kutoa ya LMIS yenye alama '{ $tag }'
match-evidence-decision = uamuzi wako
match-why-shared-code = vitu { $count } vya orodha nyingine vina msimbo huu: { $names }
match-why-shared-name = vitu { $count } vya orodha nyingine vina jina hili: { $names }
match-why-merge = vitu { $count } vya orodha hii vinataka kile kimoja ({ $names }): vimeunganishwa au vimerudiwa
match-why-unmatched = hakuna kitu cha orodha nyingine chenye msimbo huu au jina hili
match-problem-unknown-org-unit = maamuzi yanataja kitengo cha DHIS2 { $id }, ambacho hakimo kwenye vitengo vya fomu za DHIS2
match-problem-unknown-lmis-code = maamuzi yanataja msimbo wa kituo cha LMIS { $code }, ambao LMIS haina
match-problem-empty-decision = uamuzi wa kituo hautaji dhis2_org_unit wala lmis_facility_code
match-problem-reason-decision-credit = uamuzi wa { $movement } unataja '{ $name }', ambayo si sababu ya kuingiza ya LMIS kwa aina za vituo { $types }
match-problem-reason-decision-debit = uamuzi wa { $movement } unataja '{ $name }', ambayo si sababu ya kutoa ya LMIS kwa aina za vituo { $types }

## Kukagua orodha ya vituo na fomu (mapping check)

match-subject-facility = kituo { $code }
match-subject-form = fomu { $form }
match-subject-product = fomu { $form } bidhaa { $product }
match-subject-reason = fomu { $form } sababu ya { $movement }
match-check-org-unit-unknown = dhis2_org_unit { $org_unit } haijapangiwa fomu hizi kwenye DHIS2; chagua kimojawapo cha vitengo ambavyo DHIS2 inavyo
match-check-org-unit-missing = dhis2_org_unit haipo, lakini kituo kinatuma fomu kwa DHIS2; ongeza uid ya kitengo
match-check-lmis-missing = lmis_facility_id na lmis_facility_code hazipo, lakini kituo kinatuma taarifa za bidhaa kwa LMIS; ongeza zote mbili
match-check-lmis-id-missing = lmis_facility_id haipo; LMIS inatoa { $id } kwa msimbo { $code }: ongeza "lmis_facility_id": "{ $id }"
match-check-lmis-code-unknown = lmis_facility_id haipo na LMIS haina kituo chenye msimbo { $code }
match-check-lmis-id-unknown = LMIS haina kituo chenye kitambulisho { $id }
match-check-lmis-code-other = lmis_facility_code { $code } si ya kituo cha LMIS { $id }, ambacho msimbo wake ni { $actual }
match-check-lmis-code-other-none = lmis_facility_code { $code } si ya kituo cha LMIS { $id }, ambacho hakina msimbo
match-check-program-not-supported = kituo cha LMIS hakina programu { $program } ya fomu { $form }; mwombe msimamizi wa LMIS aiongeze, au ondoa fomu hii kwenye fomu za kituo
match-check-program-unknown = LMIS haina programu { $program }
match-check-product-unknown = programu ya LMIS haina bidhaa yenye msimbo { $code }
match-check-orderable-other = fomu inasema bidhaa { $id }, lakini bidhaa { $code } ya LMIS ni { $actual }
match-check-reason-direction = sababu '{ $name }' ni { $kind } kwenye LMIS, lakini { $movement } inahitaji { $needed }; weka lmis.reasons.{ $key } kwenye fomu
match-check-reason-unknown = LMIS haina sababu halali '{ $name }' ya { $movement }; weka lmis.reasons.{ $key } kwenye fomu iwe moja ya sababu za LMIS

## mapping suggest na mapping check

tool-none = hakuna
tool-map-facilities = vituo (vitengo { $org_units } vya DHIS2, vituo { $lmis } vya LMIS):
tool-map-products = bidhaa:
tool-map-reasons = sababu:
tool-map-proposal = zinalingana { $confidence }% { $left } ({ $left_code }) = { $right } ({ $right_code }): { $evidence }
tool-map-question = amua { $name } ({ $code }): { $why }; vinavyowezekana: { $candidates }
tool-map-reason = sababu ya { $movement } (aina za vituo { $types }): '{ $name }' { $confidence }%: { $evidence }
tool-map-reason-open = amua sababu ya { $movement } (aina za vituo { $types }): LMIS haina '{ $wanted }'; sababu zake, inayokaribia zaidi kwanza: { $candidates }
tool-map-problem = tatizo: { $problem }
tool-map-written = vituo { $count } vimeandikwa kwenye { $path }
tool-map-not-written = orodha ya vituo haijaandikwa
tool-map-undecided = vitu { $count } vya kuamua: andika machaguo yako kwenye faili la maamuzi na uendeshe tena kwa --decisions
tool-map-all-match = orodha ya vituo na fomu zinalingana na seva zote mbili
tool-map-mismatch = { $subject }: { $problem }
tool-map-mismatch-candidates = { $subject }: { $problem }; seva ina, inayokaribia zaidi kwanza: { $candidates }

## metadata pull, lmis check

tool-meta-service = fomu { $form }: sehemu { $kept } zimebaki, { $added } zimeongezwa, { $removed } zimeondolewa{ $written }
tool-meta-stock = fomu { $form } bidhaa: { $kept } zimebaki, { $added } zimeongezwa, { $removed } zimeondolewa{ $written }
tool-meta-written = ; imeandikwa kwenye { $path }
tool-meta-unchanged = ; haijabadilika
tool-meta-added = imeongezwa { $item }
tool-meta-removed = imeondolewa { $item }
tool-lmis-match = fomu na orodha ya vituo zinalingana na LMIS

## forms, validate

tool-period-type = { $type ->
        [daily] Kila siku
        [weekly] Kila wiki
        [monthly] Kila mwezi
        [quarterly] Kila robo mwaka
        [yearly] Kila mwaka
        [biweekly] Kila wiki mbili
        [bimonthly] Kila miezi miwili
        [sixmonthly] Kila miezi sita
        [sixmonthlyapril] Kila miezi sita (kuanzia Aprili)
        [financialapril] Mwaka wa fedha (kuanzia Aprili)
        [financialjuly] Mwaka wa fedha (kuanzia Julai)
        [financialoct] Mwaka wa fedha (kuanzia Oktoba)
       *[other] { $type }
    }
tool-forms-counts = { $period_type } (sehemu { $fields } za huduma, bidhaa { $products })
tool-validate-clean = hakuna tatizo lililopatikana

## inspect

tool-inspect-revisions = matoleo:
tool-inspect-revision = { $revision } imehifadhiwa { $at } (toleo la fomu { $version }), sha256 { $hash }
tool-inspect-exchanges = maombi yaliyotumwa na majibu:
tool-inspect-no-answer = hakuna jibu
tool-inspect-no-answer-error = hakuna jibu: { $error }
tool-inspect-exchange-size = (ms { $ms }, B { $sent } zimetumwa, B { $received } zimepokelewa)
tool-inspect-sent = imetumwa: { $body }
tool-inspect-answered = jibu: { $body }
tool-inspect-audit = kumbukumbu ya matukio:
tool-audit-event = { $event ->
        [recorded] imehifadhiwa
        [corrected] imerekebishwa
        [enqueued] imewekwa foleni
        [sending] inatumwa
        [delivered] imefika
        [rejected] imekataliwa
        [waiting] imesimamishwa
        [held] imezuiliwa
        [requeued] itatumwa tena
        [superseded] imebadilishwa
        [imported] imeingizwa
        [escrow_exported] imehamishwa
       *[other] { $event }
    }

## diagnose, export, import, keygen

tool-diagnose-written = imeandikwa { $path } (baiti { $bytes }, JSON iliyobanwa): fomu { $forms }, utumaji { $open } bado unasubiri; hakuna nenosiri, tokeni wala ufunguo ndani yake
tool-export-written = fomu { $forms }, matoleo { $revisions }, { $undelivered } bado hayajafika, zimeandikwa kwenye { $path } (zimesimbwa; ufunguo wa wilaya pekee unazifungua)
tool-export-look-up = kifaa hiki kitaangalia kwenye LMIS utumaji { $count } wa LMIS kabla ya kutuma, ili hakuna kinachotumwa mara mbili faili likiingizwa kwingine
tool-import-report = matoleo { $count } yameingizwa; utumaji { $queued } uko foleni kwa kutuma ijayo
tool-import-added = imeongezwa { $facility } { $form } { $period } toleo { $revision } ({ $id })
tool-import-skipped-title = matoleo { $count } yamerukwa, tayari yamo kwenye sanduku hili la kutuma yakiwa sawa:
tool-import-skipped = imerukwa { $facility } { $form } { $period } toleo { $revision } ({ $id })
tool-keygen-written = ufunguo wa siri umeandikwa kwenye { $path } (uweke salama na mbali na vifaa; bila huo hakuna faili linaloweza kufunguliwa). Vipe vifaa ufunguo wa umma ulio juu: cli-sim export --unsent --to { $key } --out FAILI

## resend, send-incomplete, acknowledge-damaged

tool-resend = sehemu { $count } zilizokataliwa za { $id } zitatumwa wakati wa kutuma ujao
tool-send-incomplete = ombi la bidhaa la kipindi cha { $id } litatumwa wakati wa kutuma ujao, bila miezi inayokosekana
tool-send-incomplete-none = bado hakuna ombi la bidhaa la kipindi cha { $id } linalosubiri; tuma mara moja kwanza
tool-ack-none = hakuna nakala iliyoharibika ya sanduku la kutuma inayosubiri kukubaliwa
tool-ack-done = imekubaliwa: { $path } (faili linabaki kwenye diski; halitajwi tena)

## Mistari ambayo amri yoyote inaweza kuonyesha

tool-warning = onyo: { $text }
tool-warning-no-locale = hakuna ujumbe kwa '{ $locale }'; inaonyeshwa kwa Kiingereza (programu inazungumza en, fr, pt na sw)
tool-warning-read-only = sanduku la kutuma { $path } haliwezi kuandikwa (hifadhi ya kusoma tu au ruhusa): fomu zinaweza kuorodheshwa lakini si kuhifadhiwa wala kutumwa

## record --file, sync --retry-*, JSON

tool-record-duplicate = fomu hii ilikuwa tayari imehifadhiwa ikiwa sawa kabisa (toleo { $revision }); hakuna kipya kilichoandikwa
tool-record-correction = imehifadhiwa kama toleo { $revision } (marekebisho ya fomu ya awali)
tool-record-confirmed = maonyo yaliyothibitishwa:
tool-record-not-saved-errors = haijahifadhiwa: rekebisha makosa yaliyo juu kisha uhifadhi tena.
tool-record-not-saved-warnings = haijahifadhiwa: angalia maonyo yaliyo juu; kama namba ni sahihi, hifadhi tena kwa --confirm-warnings.
tool-sync-released-backoff = jaribu tena: muda wa kusubiri umesahaulika; utumaji { $count } uliokuwa ukisubiri jaribio lijalo unatumwa sasa
tool-sync-released-holds = jaribu tena: vituo vya kutuma vilivyozuiliwa (vitambulisho vilivyokataliwa, anwani isiyo sahihi, kitu kingine kinachojibu badala ya seva) vinajaribiwa tena katika mzunguko huu
tool-json-error = kosa: JSON haiwezi kuonyeshwa: { $detail }

## Kujaza fomu kwa maswali (cli-sim record bila --file)

rec-intro = Kujaza fomu. Andika kila namba kisha bonyeza Enter.
    Enter inakubali thamani inayopendekezwa ("Enter kwa ...") au inaacha wazi sehemu isiyo ya lazima;
    - inafuta sehemu; q inasimamisha bila kuhifadhi (vivyo hivyo Ctrl-D).
rec-end-of-input = Maandishi yameisha: fomu haijahifadhiwa.
rec-stopped = Imesimamishwa: fomu haijahifadhiwa.
rec-io-error = Skrini haikuweza kusomwa au kuandikwa ({ $error }): fomu haijahifadhiwa.
rec-error = Kosa: { $message }
rec-warning = Onyo: { $message }
rec-keep = Ubaki na { $value }? [Y/n] (y = ndiyo, n = hapana)
rec-keep-help = Andika y kubaki nayo au n kuiandika tena.
rec-it-empty = sehemu tupu
rec-not-in-list = '{ $answer }' haimo kwenye orodha; andika namba kuanzia 1 hadi { $count } au msimbo ulio kwenye orodha.
rec-form = Fomu: { $title } ({ $id })
rec-no-form = Kifaa hiki hakina fomu '{ $id }'.
rec-forms = Fomu:
rec-pick-form = Fomu (namba au kitambulisho):
rec-facilities = Vituo vinavyotuma fomu hii:
rec-pick-facility = Kituo (namba au msimbo):
rec-facility = Kituo: { $code } { $name }
rec-period-prompt = Kipindi ({ $type }; Enter kwa { $suggestion }):
rec-period = Kipindi: { $period }
rec-already-saved = Fomu hii tayari imehifadhiwa kwa { $facility } { $period } (fomu { $id }, toleo { $revision }).
    Unachoandika sasa kinahifadhiwa kama marekebisho; Enter inabaki na kila thamani iliyohifadhiwa.
rec-or-more = { $min } au zaidi
rec-required = lazima
rec-optional = si lazima
rec-may-be-negative = inaweza kuwa hasi
rec-days = siku
rec-enter-for = ; Enter kwa { $value }{ $why }
rec-closing-of = , salio la mwisho la { $period }
rec-stock-title = Bidhaa: { $name } ({ $code })
rec-stock-title-unit = Bidhaa: { $name } ({ $code }), inahesabiwa kwa { $unit }
rec-stock-opening_balance = Salio la mwanzo
rec-stock-received = Kiasi kilichopokelewa
rec-stock-consumed = Kiasi kilichotumika
rec-stock-losses = Upotevu (zilizoisha muda, zilizoharibika, zilizopotea)
rec-stock-adjustments = Marekebisho
rec-stock-closing_balance = Salio la mwisho
rec-stock-stockout_days = Siku za kukosa bidhaa
rec-stock-requested_quantity = Kiasi kilichoombwa
rec-again = Tena kuanzia salio la mwanzo la { $code }:
rec-retype-closing = Andika tena salio la mwisho ulilohesabu, au r kuandika tena namba za bidhaa hii.
rec-closing-entered = (salio la mwisho lililoandikwa: { $value })
rec-to-order = Cha kuagiza: { $line }
rec-note = Taarifa: { $message } (Utaulizwa kuhusu hili kabla ya kuhifadhi.)
rec-comment = Maoni
rec-captured-by = Imejazwa na (jina au herufi za kwanza)
rec-value = Thamani
rec-enter-keeps = si lazima; Enter inabaki na "{ $value }"
rec-checked = Kabla ya kuhifadhi, fomu imekaguliwa:
rec-cannot-correct = Matatizo haya hayawezi kurekebishwa hapa: fomu haijahifadhiwa.
rec-errors-prompt = Fomu haiwezi kuhifadhiwa ikiwa na makosa. Bonyeza Enter kurekebisha sehemu zilizotajwa, au q kusimamisha bila kuhifadhi:
rec-warnings-help = (y inahifadhi fomu pamoja na maonyo haya; e inakuruhusu kurekebisha sehemu zilizotajwa; n au Enter inasimamisha bila kuhifadhi.)
rec-confirm-prompt = Thibitisha na uhifadhi? [y/N]
rec-not-confirmed = Haijahifadhiwa: maonyo hayakuthibitishwa. Angalia rejista na kadi za bidhaa, kisha ujaze fomu tena.
rec-type-yne = Andika y, n au e.
rec-warnings-not-field = Maonyo haya hayahusu sehemu ya fomu.
rec-saved = Imehifadhiwa: fomu { $id }, toleo { $revision }
rec-duplicate = Fomu hii ilikuwa tayari imehifadhiwa ikiwa sawa kabisa; hakuna kipya kilichoandikwa.
rec-correction = Ni marekebisho ya fomu iliyohifadhiwa awali; toleo jipya litatumwa.
rec-next-sync = Itatumwa wakati wa kutuma ujao.
