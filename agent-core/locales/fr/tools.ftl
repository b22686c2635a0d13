# Commandes de cli-sim pour la mise en place et le support (mapping,
# metadata, lmis, inspect, forms, validate, diagnose, export/import,
# resend…) et la mise en correspondance des listes de référence. Noms,
# codes, nombres, chemins et JSON sont des arguments.

## Mouvements de stock (sujets des motifs du LMIS)

movement-consumed = consommation
movement-received = réception
movement-losses = pertes
movement-positive_adjustment = ajustement positif
movement-negative_adjustment = ajustement négatif
movement-credit_correction = correction qui remet du stock
movement-debit_correction = correction qui retire du stock

## Mise en correspondance des listes (mapping suggest)

match-evidence-code = le même code { $code } des deux côtés
match-evidence-name = le même nom une fois normalisé (« { $name } »)
match-evidence-not-supported = la formation sanitaire du LMIS ne gère pas ce programme
match-evidence-pack = le LMIS compte par paquets de { $count }
match-evidence-reason-name = le LMIS a un motif nommé « { $name } »
match-evidence-reason-tag-credit = le seul motif d'entrée du LMIS marqué « { $tag } »
match-evidence-reason-tag-debit = le seul motif de sortie du LMIS marqué « { $tag } »
match-evidence-decision = votre décision
match-why-shared-code = { $count } éléments de l'autre liste ont ce code : { $names }
match-why-shared-name = { $count } éléments de l'autre liste ont ce nom : { $names }
match-why-merge = { $count } éléments de cette liste veulent le même ({ $names }) : une fusion ou un doublon
match-why-unmatched = aucun élément de l'autre liste n'a ce code ni ce nom
match-problem-unknown-org-unit = les décisions nomment l'unité d'organisation DHIS2 { $id }, qui n'est pas parmi celles des ensembles de données
match-problem-unknown-lmis-code = les décisions nomment le code de formation sanitaire LMIS { $code }, que le LMIS n'a pas
match-problem-empty-decision = une décision de formation sanitaire ne nomme ni dhis2_org_unit ni lmis_facility_code
match-problem-reason-decision-credit = la décision pour { $movement } nomme « { $name } », qui n'est pas un motif d'entrée du LMIS pour les types de formation { $types }
match-problem-reason-decision-debit = la décision pour { $movement } nomme « { $name } », qui n'est pas un motif de sortie du LMIS pour les types de formation { $types }

## Vérification de la liste des formations sanitaires et des formulaires (mapping check)

match-subject-facility = formation sanitaire { $code }
match-subject-form = formulaire { $form }
match-subject-product = formulaire { $form } produit { $product }
match-subject-reason = formulaire { $form } motif pour { $movement }
match-check-org-unit-unknown = dhis2_org_unit { $org_unit } n'est pas affectée aux ensembles de données des formulaires dans DHIS2 ; choisissez une des unités d'organisation de DHIS2
match-check-org-unit-missing = dhis2_org_unit manque, mais la formation sanitaire envoie un formulaire à DHIS2 ; ajoutez l'uid de l'unité d'organisation
match-check-lmis-missing = lmis_facility_id et lmis_facility_code manquent, mais la formation sanitaire envoie du stock au LMIS ; ajoutez les deux
match-check-lmis-id-missing = lmis_facility_id manque ; le LMIS donne { $id } pour le code { $code } : ajoutez "lmis_facility_id": "{ $id }"
match-check-lmis-code-unknown = lmis_facility_id manque et le LMIS n'a pas de formation sanitaire au code { $code }
match-check-lmis-id-unknown = le LMIS n'a pas de formation sanitaire d'id { $id }
match-check-lmis-code-other = lmis_facility_code { $code } n'est pas celui de la formation sanitaire LMIS { $id }, dont le code est { $actual }
match-check-lmis-code-other-none = lmis_facility_code { $code } n'est pas celui de la formation sanitaire LMIS { $id }, qui n'a pas de code
match-check-program-not-supported = la formation sanitaire du LMIS ne gère pas le programme { $program } du formulaire { $form } ; demandez à l'administrateur du LMIS de l'ajouter, ou retirez ce formulaire de ceux de la formation sanitaire
match-check-program-unknown = le LMIS n'a pas de programme { $program }
match-check-product-unknown = le programme du LMIS n'a pas de produit au code { $code }
match-check-orderable-other = le formulaire indique le produit commandable { $id }, mais le produit { $code } du LMIS est { $actual }
match-check-reason-direction = le motif « { $name } » est un { $kind } dans le LMIS, mais { $movement } demande un { $needed } ; réglez lmis.reasons.{ $key } dans le formulaire
match-check-reason-unknown = le LMIS n'a pas de motif valide « { $name } » pour { $movement } ; réglez lmis.reasons.{ $key } dans le formulaire sur un des motifs du LMIS

## mapping suggest et mapping check

tool-none = aucun
tool-map-facilities = formations sanitaires ({ $org_units } unités d'organisation, { $lmis } formations du LMIS) :
tool-map-products = produits :
tool-map-reasons = motifs :
tool-map-proposal = correspondance { $confidence } % { $left } ({ $left_code }) = { $right } ({ $right_code }) : { $evidence }
tool-map-question = à décider { $name } ({ $code }) : { $why } ; candidats : { $candidates }
tool-map-reason = motif pour { $movement } (types de formation { $types }) : « { $name } » { $confidence } % : { $evidence }
tool-map-reason-open = à décider, le motif pour { $movement } (types de formation { $types }) : le LMIS n'a pas « { $wanted } » ; ses motifs, du plus proche au plus lointain : { $candidates }
tool-map-problem = problème : { $problem }
tool-map-written = { $count } formations sanitaires écrites dans { $path }
tool-map-not-written = la liste des formations sanitaires n'a pas été écrite
tool-map-undecided = { $count } élément(s) à décider : écrivez vos choix dans un fichier de décisions et relancez avec --decisions
tool-map-all-match = la liste des formations sanitaires et les formulaires correspondent aux deux serveurs
tool-map-mismatch = { $subject } : { $problem }
tool-map-mismatch-candidates = { $subject } : { $problem } ; le serveur a, du plus proche au plus lointain : { $candidates }

## metadata pull, lmis check

tool-meta-service = formulaire { $form } : { $kept } champ(s) gardé(s), { $added } ajouté(s), { $removed } retiré(s){ $written }
tool-meta-stock = formulaire { $form }, stock : { $kept } produit(s) gardé(s), { $added } ajouté(s), { $removed } retiré(s){ $written }
tool-meta-written = ; écrit dans { $path }
tool-meta-unchanged = ; inchangé
tool-meta-added = ajouté { $item }
tool-meta-removed = retiré { $item }
tool-lmis-match = les formulaires et la liste des formations sanitaires correspondent au LMIS

## forms, validate

tool-period-type = { $type ->
        [daily] Journalier
        [weekly] Hebdomadaire
        [monthly] Mensuel
        [quarterly] Trimestriel
        [yearly] Annuel
        [biweekly] Toutes les deux semaines
        [bimonthly] Bimestriel
        [sixmonthly] Semestriel
        [sixmonthlyapril] Semestriel (à partir d'avril)
        [financialapril] Année financière (à partir d'avril)
        [financialjuly] Année financière (à partir de juillet)
        [financialoct] Année financière (à partir d'octobre)
       *[other] { $type }
    }
tool-forms-counts = { $period_type } ({ $fields } champs de services, { $products } produits)
tool-validate-clean = aucun problème trouvé

## inspect

tool-inspect-revisions = versions :
tool-inspect-revision = { $revision } enregistrée le { $at } (version du formulaire { $version }), sha256 { $hash }
tool-inspect-exchanges = requêtes envoyées et réponses :
tool-inspect-no-answer = pas de réponse
tool-inspect-no-answer-error = pas de réponse : { $error }
tool-inspect-exchange-size = ({ $ms } ms, { $sent } o envoyés, { $received } o reçus)
tool-inspect-sent = envoyé : { $body }
tool-inspect-answered = réponse : { $body }
tool-inspect-audit = historique :
tool-audit-event = { $event ->
        [recorded] enregistré
        [corrected] corrigé
        [enqueued] mis en file
        [sending] envoi
        [delivered] livré
        [rejected] refusé
        [waiting] mis de côté
        [held] bloqué
        [requeued] renvoyé
        [superseded] remplacé
        [imported] importé
        [escrow_exported] exporté
       *[other] { $event }
    }

## diagnose, export, import, keygen

tool-diagnose-written = écrit { $path } ({ $bytes } octets, JSON gzippé) : { $forms } formulaire(s), { $open ->
        [one] { $open } livraison
       *[other] { $open } livraisons
    } encore à faire ; aucun mot de passe, jeton ni clé ne s'y trouve
tool-export-written = écrit { $forms } formulaire(s), { $revisions } version(s), dont { $undelivered } encore à livrer, dans { $path } (chiffré ; seule la clé du district l'ouvre)
tool-export-look-up = cet appareil vérifiera { $count ->
        [one] sa livraison LMIS
       *[other] ses { $count } livraisons LMIS
    } dans le LMIS avant d'envoyer, pour que rien ne soit envoyé deux fois une fois le fichier importé ailleurs
tool-import-report = { $count } version(s) importée(s) ; { $queued ->
        [one] { $queued } livraison
       *[other] { $queued } livraisons
    } en file pour la prochaine synchronisation
tool-import-added = ajouté { $facility } { $form } { $period } version { $revision } ({ $id })
tool-import-skipped-title = { $count } version(s) ignorée(s), déjà dans cette boîte d'envoi avec le même contenu :
tool-import-skipped = ignoré { $facility } { $form } { $period } version { $revision } ({ $id })
tool-keygen-written = clé secrète écrite dans { $path } (gardez-la en lieu sûr, hors des appareils ; sans elle aucun export ne s'ouvre). Donnez aux appareils la clé publique ci-dessus : cli-sim export --unsent --to { $key } --out FICHIER

## resend, send-incomplete, acknowledge-damaged

tool-resend = { $count } partie(s) refusée(s) de { $id } seront envoyées à la prochaine synchronisation
tool-send-incomplete = la réquisition de la période de { $id } sera envoyée à la prochaine synchronisation, sans les mois manquants
tool-send-incomplete-none = aucune réquisition de la période de { $id } n'attend encore ; synchronisez une fois d'abord
tool-ack-none = aucune copie endommagée de la boîte d'envoi n'attend d'être prise en compte
tool-ack-done = pris en compte : { $path } (le fichier reste sur le disque ; il n'est plus signalé)

## Lignes que toute commande peut afficher

tool-warning = avertissement : { $text }
tool-warning-no-locale = il n'y a pas de messages en « { $locale } » ; affichage en anglais (l'agent parle en, fr, pt et sw)
tool-warning-read-only = la boîte d'envoi { $path } ne peut pas être écrite (stockage en lecture seule ou droits) : les formulaires peuvent être listés, mais pas enregistrés ni envoyés

## record --file, sync --retry-*, JSON

tool-record-duplicate = ce formulaire était déjà enregistré avec le même contenu (version { $revision }) ; rien de nouveau n'a été écrit
tool-record-correction = enregistré comme version { $revision } (une correction du formulaire précédent)
tool-record-confirmed = avertissements confirmés :
tool-record-not-saved-errors = non enregistré : corrigez les erreurs ci-dessus et enregistrez de nouveau.
tool-record-not-saved-warnings = non enregistré : vérifiez les avertissements ci-dessus ; si les nombres sont justes, enregistrez de nouveau avec --confirm-warnings.
tool-sync-released-backoff = nouvel essai : l'attente est oubliée ; { $count } livraison(s) qui attendaient leur prochain essai sont dues maintenant
tool-sync-released-holds = nouvel essai : les destinations bloquées (identifiants refusés, mauvaise adresse, autre chose qui répond à la place du serveur) sont essayées de nouveau dans ce passage
tool-json-error = erreur : impossible d'afficher le JSON : { $detail }

## L'enregistreur interactif (cli-sim record sans --file)

rec-intro = Saisie d'un formulaire. Tapez chaque nombre puis Entrée.
    Entrée accepte la valeur proposée (« Entrée pour ... ») ou laisse vide un champ facultatif ;
    - vide un champ ; q arrête sans enregistrer (Ctrl-D aussi).
rec-end-of-input = Fin de la saisie : le formulaire n'a pas été enregistré.
rec-stopped = Arrêté : le formulaire n'a pas été enregistré.
rec-io-error = Le terminal n'a pas pu être lu ou écrit ({ $error }) : le formulaire n'a pas été enregistré.
rec-error = Erreur : { $message }
rec-warning = Avertissement : { $message }
rec-keep = Garder { $value } ? [Y/n] (y = oui, n = non)
rec-keep-help = Tapez y pour garder la valeur ou n pour la saisir à nouveau.
rec-it-empty = le champ vide
rec-not-in-list = « { $answer } » n'est pas dans la liste ; tapez un nombre de 1 à { $count } ou un code de la liste.
rec-form = Formulaire : { $title } ({ $id })
rec-no-form = Cette tablette n'a pas de formulaire « { $id } ».
rec-forms = Formulaires :
rec-pick-form = Formulaire (numéro ou identifiant) :
rec-facilities = Formations sanitaires qui envoient ce formulaire :
rec-pick-facility = Formation sanitaire (numéro ou code) :
rec-facility = Formation sanitaire : { $code } { $name }
rec-period-prompt = Période ({ $type } ; Entrée pour { $suggestion }) :
rec-period = Période : { $period }
rec-already-saved = Ce formulaire est déjà enregistré pour { $facility } { $period } (soumission { $id }, version { $revision }).
    Ce que vous saisissez maintenant est enregistré comme une correction ; Entrée garde chaque valeur enregistrée.
rec-or-more = { $min } ou plus
rec-required = obligatoire
rec-optional = facultatif
rec-may-be-negative = peut être négatif
rec-days = jours
rec-enter-for = ; Entrée pour { $value }{ $why }
rec-closing-of = , le stock final de { $period }
rec-stock-title = Stock : { $name } ({ $code })
rec-stock-title-unit = Stock : { $name } ({ $code }), compté en { $unit }
rec-stock-opening_balance = Stock initial
rec-stock-received = Quantité reçue
rec-stock-consumed = Quantité consommée
rec-stock-losses = Pertes (périmés, abîmés, perdus)
rec-stock-adjustments = Ajustements
rec-stock-closing_balance = Stock final
rec-stock-stockout_days = Jours de rupture de stock
rec-stock-requested_quantity = Quantité demandée
rec-again = De nouveau depuis le stock initial de { $code } :
rec-retype-closing = Tapez à nouveau le stock final compté, ou r pour saisir à nouveau les nombres de ce produit.
rec-closing-entered = (stock final saisi : { $value })
rec-to-order = À commander : { $line }
rec-note = Remarque : { $message } (Cela vous sera demandé avant l'enregistrement.)
rec-comment = Commentaire
rec-captured-by = Saisi par (nom ou initiales)
rec-value = Valeur
rec-enter-keeps = facultatif ; Entrée garde « { $value } »
rec-checked = Avant l'enregistrement, le formulaire a été vérifié :
rec-cannot-correct = Ces problèmes ne peuvent pas être corrigés ici : le formulaire n'a pas été enregistré.
rec-errors-prompt = Le formulaire ne peut pas être enregistré avec des erreurs. Appuyez sur Entrée pour corriger les champs nommés, ou q pour arrêter sans enregistrer :
rec-warnings-help = (y enregistre le formulaire avec ces avertissements ; e permet de corriger les champs nommés ; n ou Entrée arrête sans enregistrer.)
rec-confirm-prompt = Confirmer et enregistrer ? [y/N]
rec-not-confirmed = Non enregistré : les avertissements n'ont pas été confirmés. Vérifiez le registre et les fiches de stock, puis saisissez de nouveau le formulaire.
rec-type-yne = Tapez y, n ou e.
rec-warnings-not-field = Ces avertissements ne portent pas sur un champ du formulaire.
rec-saved = Enregistré : soumission { $id }, version { $revision }
rec-duplicate = Ce formulaire était déjà enregistré avec le même contenu ; rien de nouveau n'a été écrit.
rec-correction = C'est une correction du formulaire enregistré plus tôt ; la nouvelle version sera envoyée.
rec-next-sync = Il sera envoyé à la prochaine synchronisation.
