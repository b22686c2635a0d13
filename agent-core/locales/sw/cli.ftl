# cli-sim: hadithi ya maonyesho na majedwali ya hali, kutuma na afya.

## Maonyesho (demo)

demo-title = == Maonyesho ya programu ya kutuma ripoti za kituo cha afya ==
demo-folder = folda ya kazi: { $path }
demo-dhis2 = DHIS2 ya majaribio (majibu ya 2.40) kwenye { $url }
demo-lmis = OpenLMIS v3 ya majaribio kwenye { $url }
demo-forms = fomu: { $forms }
demo-facilities = vituo: { $count }; mwezi wa ripoti { $month }
demo-step-record = -- 1. Kujaza fomu za mwezi mmoja (bado hakuna mtandao)
demo-saved = imehifadhiwa { $form } { $facility } -> { $id } (toleo { $revision })
demo-step-confirm = -- 2. Fomu yenye namba isiyo ya kawaida: programu inaomba uthibitisho
demo-confirms = mhudumu wa afya anaangalia kadi ya bidhaa na kuthibitisha.
demo-saved-correction = imehifadhiwa kama marekebisho ya { $id }: toleo { $revision }
demo-unexpected = jambo lisilotarajiwa: { $what }
demo-step-invalid = -- 3. Fomu yenye makosa: kila tatizo linaelezwa, hakuna kinachohifadhiwa
demo-step-double-tap = -- 4. Kubonyeza Hifadhi mara mbili: fomu ileile haihifadhiwi mara mbili
demo-double-tap-same = kubonyeza mara ya pili kumerudisha fomu ileile: imehifadhiwa mara moja tu.
demo-double-tap-new = kubonyeza mara ya pili kumehifadhi fomu tena: hili halipaswi kutokea.
demo-step-late = -- 5. Ripoti iliyochelewa: fomu ya { $period } (DHIS2 ilifunga kipindi hicho baada ya siku 90)
demo-saved-id = imehifadhiwa { $id }
demo-step-offline = -- 6. Kutuma wakati seva hazipatikani: hakuna kinachopotea, kila kitu kinasubiri
demo-step-online = -- 7. Mtandao umerudi: tuma tena
demo-syncing = inatuma
demo-parts-sent = sehemu zimetumwa
demo-step-why = -- 8. Kwa nini DHIS2 ilikataa ripoti iliyochelewa, sehemu kwa sehemu
demo-step-held = -- 9. Kilichopo sasa kwenye DHIS2 (kimesomwa tena kupitia API yake)
demo-values = { $facility } { $month }: { $count ->
        [one] thamani { $count }
       *[other] thamani { $count }
    }
demo-completions = fomu kamili zilizosajiliwa: { $count }
demo-step-stock-cards = -- 10. Kadi za bidhaa kwenye LMIS: bidhaa zilizopo dhidi ya salio la mwisho la kila fomu
demo-stock-card = { $facility } { $form } toleo { $revision }: { $cells }
demo-events = matukio ya bidhaa yaliyotumika: { $count } (moja kwa kila toleo la fomu lililotumwa; hakuna lililorudiwa)
demo-step-cross-checks = -- 11. Huduma dhidi ya matumizi, kando kwa kando ({ $month })
demo-cross-check = { $left } { $left_value } dhidi ya { $right } { $right_value }, uwiano { $ratio } (unatarajiwa { $min } hadi { $max }): { $verdict }
demo-check-ok = sawa
demo-check-look = ANGALIA
demo-step-outbox = -- 12. Sanduku la kutuma

## Matokeo ya ukaguzi

show-error = KOSA
show-warning = ONYO

## Cha kuagiza

show-resupply-title = Cha kuagiza (kutoka fomu hii na miezi iliyopita kwenye sanduku la kutuma):
show-resupply-line = { $name }: { $order } ({ $left }{ $risk }; hadi miezi { $max } ya bidhaa{ $short })
show-resupply-order = agiza { $quantity }{ $unit }
show-resupply-no-order = hakuna haja ya kuagiza
show-resupply-left = zimebaki bidhaa za miezi { $months }
show-resupply-nothing-consumed = hakuna kilichotumika
show-resupply-risk = , chini ya kiwango cha chini cha miezi { $min }: agiza sasa
show-resupply-short = ; wastani wa miezi { $count } kati ya { $wanted }

## Hali, kutuma na afya

show-release = Hakuna kinachotumwa huko mpaka hili lirekebishwe. Utumaji unaofuata utajaribu tena wenyewe mara nywila au anwani zikibadilika (kwa ukurasa wa hotspot au proxy: mtandao ukibadilika, `cli-sim sync --retry-now`); kujaribu tena sasa: cli-sim sync --retry-auth
show-col-id = namba
show-col-form = fomu
show-col-facility = kituo
show-col-period = kipindi
show-col-revision = toleo
show-held = { $destination }: IMESIMAMISHWA: { $reason }
show-destination-error = { $destination }: { $error }
show-damaged-copy = { $message } Kuthibitisha umeliona: cli-sim acknowledge-damaged
show-damaged = NAKALA ILIYOHARIBIKA: { $text }
show-outbox-count = fomu kwenye sanduku la kutuma: { $count }
show-data-use = matumizi ya data { $destination } maombi { $requests }, B { $sent } zimetumwa, B { $received } zimepokelewa (siku 30 zilizopita B { $month }, utumaji wa mwisho B { $last }){ $per_form }
show-data-use-per-form = , B { $bytes } kwa kila fomu iliyofika
show-oldest = fomu ya zamani zaidi ambayo haijafika: ilijazwa { $at } ({ $age } zilizopita)
show-damaged-may-hold = hakuna fomu inayosubiri kwenye sanduku hili, lakini nakala iliyoharibika hapo juu inaweza kuwa na fomu ambazo hazijawahi kutumwa
show-all-delivered = fomu zote zimefika
show-age-seconds = sekunde { $n }
show-age-minutes = dakika { $n }
show-age-hours = saa { $n }
show-age-days = { $n ->
        [one] siku { $n }
       *[other] siku { $n }
    }
show-sync-line = { $destination }: zimefika { $delivered }, zimekataliwa { $rejected }, bado zinasubiri { $queued }; maombi { $requests }, baiti { $sent } zimetumwa, { $received } zimepokelewa
show-refused = imekataliwa: { $id } (toleo { $revision })
show-partly-refused = imekataliwa sehemu: { $id } (toleo { $revision })
show-problem = tatizo: { $problem }
show-held-reason = IMESIMAMISHWA: { $reason }
show-note = taarifa: { $note }
show-next-attempt = jaribio linalofuata: { $at }
show-sync-done = imekamilika: hakuna kilichobaki kutuma (fomu zilizokataliwa, kama zipo, zimeorodheshwa hapo juu na kwenye status)
show-sync-cancelled = imesitishwa: zilizobaki zinasubiri utumaji unaofuata
show-sync-again = haijakamilika: tuma tena saa { $at }
show-sync-attention = haijakamilika: sehemu moja ya kutuma inahitaji kushughulikiwa (angalia hapo juu)
show-fields = sehemu { $count }
show-server-said = seva ilisema: { $text }
