# Kutuma: hali za kutuma, hitilafu, na maelezo ya kukataliwa na seva.

## Hali za kutuma

state-pending = inasubiri kutumwa
state-in_flight = inatumwa
state-delivered = imefika
state-rejected = imekataliwa
state-superseded = imebadilishwa
state-waiting = imesimamishwa

## Kwa nini kutuma kulishindikana ($detail: maneno ya kiufundi ya simu)

net-unreachable = seva haikupatikana ({ $detail })
net-timeout = seva haikujibu kwa wakati ({ $detail })
net-broken = mawasiliano yalikatika kabla ya jibu kufika ({ $detail })
net-tls = muunganisho salama ulishindikana (cheti au TLS) ({ $detail })
net-other = ombi lilishindikana ({ $detail })
net-not-started = ombi halikutumwa ({ $detail })

## DHIS2 inapokataa, kwa namba ya kosa ya DHIS2

dhis2-advice-period-closed = DHIS2 imefunga kipindi hiki kwa kuingiza data. Mwombe afisa wa takwimu wa wilaya akifungue (ruhusa ya kipindi kilichofungwa), kisha tuma tena.
dhis2-advice-input-periods = DHIS2 haipokei data za kipindi hiki kwa sasa (vipindi vya kuingiza data vya fomu hii). Hakikisha kipindi cha fomu; kama ni sahihi, mwombe afisa wa takwimu wa wilaya afungue kipindi cha kuingiza data, kisha tuma tena.
dhis2-advice-period-not-open = DHIS2 haipokei data za kipindi hiki kwa sasa (kimefungwa, bado hakijafunguliwa, au kiko nje ya vipindi vya kuingiza data). Hakikisha kipindi cha fomu; kama ni sahihi, mwombe afisa wa takwimu wa wilaya akifungue, kisha tuma tena.
dhis2-advice-period-not-yet = DHIS2 bado haipokei kipindi hiki. Hakikisha kipindi cha fomu.
dhis2-advice-approved = Data za mwezi huu zimeshaidhinishwa kwenye DHIS2 na haziwezi kubadilishwa. Iombe wilaya iondoe idhini.
dhis2-advice-value = DHIS2 haipokei thamani hii kwa sehemu hii. Hakikisha namba na urekebishe fomu.
dhis2-advice-field = Sehemu hii haipo kwenye fomu ya DHIS2. Maelezo ya fomu yamepitwa na wakati: mwombe msimamizi wako ayasasishe.
dhis2-advice-category = Maelezo ya fomu yanaunganisha sehemu hii na kundi ambalo DHIS2 haipokei. Mwombe msimamizi wako asasishe maelezo ya fomu.
dhis2-advice-facility = DHIS2 haipokei data za kituo hiki kwa fomu hii. Mwombe msimamizi wako aangalie orodha ya vituo.
dhis2-advice-access = Mtumiaji wa DHIS2 hana ruhusa ya kuandika kwenye fomu hii. Mwombe msimamizi wa DHIS2 akupe ruhusa.
dhis2-advice-period = DHIS2 haipokei kipindi hiki kwa fomu hii. Hakikisha kipindi cha fomu.
dhis2-advice-facility-closed = Kituo kimefungwa kwenye DHIS2 kwa kipindi hiki. Iombe wilaya iangalie tarehe za kituo.
dhis2-advice-category-dates = DHIS2 inapokea data za kundi hili kati ya tarehe zake za kuanza na kuisha tu, na kipindi hiki kiko nje ya tarehe hizo. Hakikisha kipindi cha fomu, au mwombe msimamizi wa DHIS2 aongeze tarehe.
dhis2-advice-category-facility = DHIS2 hairuhusu kundi hili kwa kituo hiki. Mwombe msimamizi wa DHIS2 aangalie vituo vya kundi hilo.
dhis2-advice-other = DHIS2 imekataa thamani hii. Soma ujumbe wa seva, kisha rekebisha fomu au muulize msimamizi wako.
dhis2-advice-not-stored = Haikuhifadhiwa: DHIS2 imekataa fomu nzima kwa sababu ya { $fields }. Thamani hii si tatizo.
dhis2-advice-refused-form = DHIS2 imekataa fomu hii. Soma ujumbe wa seva; muulize msimamizi wako kama haueleweki.

## Fomu iliyokataliwa, kwa mstari mmoja

sync-refused-whole = imekataliwa yote ({ $count ->
        [one] sehemu { $count }
       *[other] sehemu { $count }
    }); la kufanya liko hapa chini.
sync-refused-part = baadhi ya thamani zimekataliwa, nyingine zimehifadhiwa ({ $count ->
        [one] sehemu { $count }
       *[other] sehemu { $count }
    }); la kufanya liko hapa chini.

## Maandishi yanayoonyeshwa kama yalivyokuja (maneno ya seva au ya toleo la zamani)

plain-text = { $text }

## Fomu ambazo kifaa hiki hakiwezi kutuma tena (maelezo ya fomu, kituo au
## sehemu ya fomu vimeondolewa); inaonyeshwa kila unapoanza
stranded-form-gone = fomu '{ $form }' haipo tena kwenye maelezo ya fomu
stranded-facility-gone = kituo '{ $facility }' hakipo tena kwenye orodha ya vituo
stranded-part-gone = fomu '{ $form }' haina tena sehemu ya { $part }
stranded-org-unit-gone = kituo '{ $facility }' hakina kitengo cha DHIS2 kwenye orodha ya vituo
stranded-reason = { $reason } ({ $count ->
        [one] fomu { $count }
       *[other] fomu { $count }
    })
stranded-warning = { $count ->
        [one] Fomu { $count } ambayo bado haijafika haiwezi kutumwa kwa maelezo ya sasa: { $reasons }. Imehifadhiwa, haijafutwa. Rudisha maelezo ya fomu au kituo kwenye orodha ya vituo, nayo itatumwa wakati ujao wa kutuma, au ihifadhi kwa ajili ya wilaya kwa `{ $command }`
       *[other] Fomu { $count } ambazo bado hazijafika haziwezi kutumwa kwa maelezo ya sasa: { $reasons }. Zimehifadhiwa, hazijafutwa. Rudisha maelezo ya fomu au kituo kwenye orodha ya vituo, nazo zitatumwa wakati ujao wa kutuma, au zihifadhi kwa ajili ya wilaya kwa `{ $command }`
    }

## Issue 15, ujumbe uliohifadhiwa: kinachohifadhiwa pamoja na utumaji au
## mahali pa kutuma, na kuonyeshwa baadaye kwa lugha ya wakati huo.
sync-kept-form-gone = fomu '{ $form }' haipo tena kwenye maelezo ya fomu ya kifaa hiki, kwa hiyo haiwezi kutumwa. Imehifadhiwa, haijafutwa: inasubiri, na itatumwa yenyewe katika usawazishaji ujao mara maelezo ya fomu au kituo vitakaporudishwa, au ihifadhi kwa ajili ya wilaya kwa `{ $command }`
sync-kept-facility-gone = kituo '{ $facility }' hakipo tena kwenye orodha ya vituo ya kifaa hiki, kwa hiyo fomu haiwezi kutumwa. Imehifadhiwa, haijafutwa: inasubiri, na itatumwa yenyewe katika usawazishaji ujao mara maelezo ya fomu au kituo vitakaporudishwa, au ihifadhi kwa ajili ya wilaya kwa `{ $command }`
sync-kept-part-gone = fomu '{ $form }' haina tena sehemu ya { $part } kwenye kifaa hiki, kwa hiyo haiwezi kutumwa. Imehifadhiwa, haijafutwa: inasubiri, na itatumwa yenyewe katika usawazishaji ujao mara maelezo ya fomu au kituo vitakaporudishwa, au ihifadhi kwa ajili ya wilaya kwa `{ $command }`
sync-kept-org-unit-gone = kituo '{ $facility }' hakina kitengo cha DHIS2 kwenye orodha ya vituo ya kifaa hiki, kwa hiyo fomu haiwezi kutumwa. Imehifadhiwa, haijafutwa: inasubiri, na itatumwa yenyewe katika usawazishaji ujao mara orodha itakapokipa kitengo, au ihifadhi kwa ajili ya wilaya kwa `{ $command }`
hold-dhis2-credentials = DHIS2 imekataa jina la mtumiaji na nywila (au tokeni). Yarekebishe kwenye mipangilio; utumaji unaofuata utajaribu tena yakishabadilika.
hold-dhis2-authority = Mtumiaji wa DHIS2 hana ruhusa ya kuingiza data. Muulize msimamizi wa DHIS2.
hold-dhis2-not-found = Anwani ya DHIS2 { $url } haielekei kwenye sehemu ya kuingiza data ya DHIS2 (HTTP 404). Hakikisha anwani kwenye mipangilio.
hold-dhis2-too-large = fomu moja ni kubwa mno kwa DHIS2 au kwa proxy iliyo mbele yake ({ $answer }); mwombe msimamizi wa DHIS2 akubali maombi makubwa zaidi
hold-dhis2-intercepted = kitu kilicho kati ya kifaa hiki na DHIS2 kimejibu badala yake: { $answer }. Kama kifaa hiki kinafikia intaneti kupitia hotspot au proxy, fungua kivinjari na uingie; kama anwani ya DHIS2 si sahihi, irekebishe
sync-dhis2-busy = DHIS2 ina kazi nyingi au ina hitilafu (HTTP { $status })
hold-kind-credentials = nywila au ruhusa zake zimekataliwa: zirekebishe kwenye mipangilio
hold-kind-configuration = anwani au mipangilio si sahihi: irekebishe kwenye mipangilio
hold-kind-intercepted = kitu kingine kimejibu badala ya seva: badilisha mtandao au ingia kwenye hotspot
sync-note-no-credentials = hakuna jina la mtumiaji na nywila za { $destination } kwenye mipangilio
sync-note-credentials-unavailable = programu haikuweza kutoa jina la mtumiaji na nywila ({ $reason }); jaribu tena baadaye
sync-note-address-changed = anwani imebadilika: inajaribu tena
sync-note-credentials-changed = jina la mtumiaji au nywila vimebadilika: inajaribu tena
sync-note-not-configured = { $destination } haijawekwa kwenye mipangilio (hakuna sehemu ya { $section })
sync-note-backing-off = inasubiri baada ya kushindwa mpaka { $until }
sync-note-clear-text = { $destination } inafikiwa kwa http:// bila usimbaji (allow_insecure_http = true): nywila na ripoti zinapita mtandaoni bila kufichwa. Badilisha kwenda https:// mara seva itakapoiwezesha
# An LMIS stock event waits: the LMIS's reference data does not match ($problems: technical, names and codes)
sync-wait-lmis-mismatch = haijatumwa: taarifa za msingi za LMIS haziendani na fomu hii au orodha ya vituo ({ $problems }). Rekebisha orodha ya vituo au uhusiano wa LMIS wa fomu (`cli-sim lmis check` inaonyesha kilichopo kwenye LMIS), au mwombe msimamizi wa LMIS aidhinishe bidhaa kwa aina hii ya kituo na programu. Imehifadhiwa na itatumwa yenyewe katika usawazishaji mara vitakapoendana; LMIS inaulizwa tena mara moja kwa siku tu
