# Makosa: kilichotokea na la kufanya. $detail: sababu ya kiufundi.

error-invalid-draft = fomu ina matatizo { $count } ya kurekebisha: { $findings }
error-needs-confirmation = fomu ina maonyo { $count } ya kuthibitisha: { $findings }
error-unknown-submission = hakuna fomu yenye namba { $id } kwenye sanduku la kutuma; hakikisha namba kwa `status`
error-config = mipangilio inahitaji kurekebishwa: { $detail }
error-storage-full = kumbukumbu ya kifaa imejaa, hakuna kilichohifadhiwa. Ondoa vitu visivyohitajika kisha hifadhi tena. ({ $detail })
error-storage-unavailable = hifadhidata ya sanduku la kutuma haiwezi kuandikwa: { $detail }. Angalia ruhusa za faili na nafasi iliyobaki; hakuna kilichobadilishwa.
error-storage-corrupt = hifadhidata ya sanduku la kutuma iliharibika na imewekwa { $path } ili irejeshwe; omba msaada wa kiufundi uirejeshe. ({ $detail })
error-database-too-new = hifadhidata ya sanduku la kutuma iliandikwa na toleo jipya zaidi la programu hii (schema { $found }, toleo hili linajua { $supported }). Sasisha programu; data hazijaguswa.
error-busy = sanduku la kutuma linatumika ({ $detail }); jaribu tena baada ya muda mfupi
error-auth-failed = { $destination } imekataa kuingia: { $detail }. Andika tena jina la mtumiaji na nywila.
error-unreachable = { $destination } haikupatikana: { $detail }. Angalia mtandao wa simu (data au Wi-Fi) na ujaribu tena baadaye; hakuna kilichobadilishwa.
error-internal = kuna hitilafu ndani ya programu (kumbukumbu { $reference }); tafadhali iripoti. { $detail }
error-line = kosa: { $text }
