# cli-sim : le récit de la démo et les tableaux d'état, d'envoi et de santé.

## La démo

demo-title = == Démo de l'agent de synchronisation du poste de santé ==
demo-folder = dossier de travail : { $path }
demo-dhis2 = DHIS2 simulé (réponses de la 2.40) à { $url }
demo-lmis = OpenLMIS v3 simulé à { $url }
demo-forms = formulaires : { $forms }
demo-facilities = formations sanitaires : { $count } ; mois du rapport { $month }
demo-step-record = -- 1. Saisie d'un mois de formulaires (pas encore de réseau)
demo-saved = enregistré { $form } { $facility } -> { $id } (version { $revision })
demo-step-confirm = -- 2. Un formulaire avec un nombre inhabituel : l'agent demande de confirmer
demo-confirms = l'agent de santé vérifie la fiche de stock et confirme.
demo-saved-correction = enregistré comme correction de { $id } : version { $revision }
demo-unexpected = inattendu : { $what }
demo-step-invalid = -- 3. Un formulaire invalide : chaque problème est expliqué, rien n'est enregistré
demo-step-double-tap = -- 4. Deux appuis sur Enregistrer : le même formulaire n'est pas enregistré deux fois
demo-double-tap-same = le second appui a rendu le même formulaire : enregistré une seule fois.
demo-double-tap-new = le second appui a enregistré le formulaire encore une fois : cela ne devrait pas arriver.
demo-step-late = -- 5. Un rapport en retard : le formulaire de { $period } (DHIS2 a fermé cette période après 90 jours)
demo-saved-id = enregistré { $id }
demo-step-offline = -- 6. Synchronisation quand les serveurs sont injoignables : rien n'est perdu, tout attend
demo-step-online = -- 7. Le réseau est revenu : nouvelle synchronisation
demo-syncing = envoi
demo-parts-sent = parties envoyées
demo-step-why = -- 8. Pourquoi DHIS2 a refusé le rapport en retard, champ par champ
demo-step-held = -- 9. Ce que DHIS2 contient maintenant (relu par son API)
demo-values = { $facility } { $month } : { $count ->
        [one] { $count } valeur
       *[other] { $count } valeurs
    }
demo-completions = formulaires complets enregistrés : { $count }
demo-step-stock-cards = -- 10. Fiches de stock dans le LMIS : stock disponible face au stock final de chaque formulaire
demo-stock-card = { $facility } { $form } version { $revision } : { $cells }
demo-events = mouvements de stock appliqués : { $count } (un par version de formulaire envoyée ; aucun deux fois)
demo-step-cross-checks = -- 11. Services face à la consommation, côte à côte ({ $month })
demo-cross-check = { $left } { $left_value } face à { $right } { $right_value }, rapport { $ratio } (attendu de { $min } à { $max }) : { $verdict }
demo-check-ok = bon
demo-check-look = À VÉRIFIER
demo-step-outbox = -- 12. Boîte d'envoi

## Constats

show-error = ERREUR
show-warning = AVERTISSEMENT

## Quoi commander

show-resupply-title = Quoi commander (d'après ce formulaire et les mois précédents de la boîte d'envoi) :
show-resupply-line = { $name } : { $order } ({ $left }{ $risk } ; jusqu'à { $max } mois de stock{ $short })
show-resupply-order = commander { $quantity }{ $unit }
show-resupply-no-order = pas de commande nécessaire
show-resupply-left = il reste { $months } mois de stock
show-resupply-nothing-consumed = rien n'a été consommé
show-resupply-risk = , sous le minimum de { $min } mois : commandez maintenant
show-resupply-short = ; moyenne sur { $count } des { $wanted } mois

## État, envoi et santé

show-release = Rien n'y est envoyé tant que ce n'est pas réglé. La prochaine synchronisation réessaie d'elle-même quand les identifiants ou l'adresse ont changé (pour une page de point d'accès ou de proxy : quand le réseau a changé, `cli-sim sync --retry-now`) ; pour réessayer tout de suite : cli-sim sync --retry-auth
show-col-id = identifiant
show-col-form = formulaire
show-col-facility = formation
show-col-period = période
show-col-revision = vers.
show-held = { $destination } : BLOQUÉ : { $reason }
show-destination-error = { $destination } : { $error }
show-damaged-copy = { $message } Pour en prendre acte : cli-sim acknowledge-damaged
show-damaged = COPIE ABÎMÉE : { $text }
show-outbox-count = formulaires dans la boîte d'envoi : { $count }
show-data-use = données { $destination } { $requests } requêtes, { $sent } o envoyés, { $received } o reçus (30 derniers jours { $month } o, dernière synchronisation { $last } o){ $per_form }
show-data-use-per-form = , { $bytes } o par formulaire livré
show-oldest = plus ancien formulaire non livré : saisi le { $at } (il y a { $age })
show-damaged-may-hold = aucun formulaire de cette boîte d'envoi n'attend, mais la copie abîmée ci-dessus peut contenir des formulaires jamais envoyés
show-all-delivered = tous les formulaires sont livrés
show-age-seconds = { $n } s
show-age-minutes = { $n } min
show-age-hours = { $n } h
show-age-days = { $n ->
        [one] { $n } jour
       *[other] { $n } jours
    }
show-sync-line = { $destination } : { $delivered } livrés, { $rejected } refusés, { $queued } encore en attente ; { $requests } requête(s), { $sent } octets envoyés, { $received } reçus
show-refused = refusé : { $id } (version { $revision })
show-partly-refused = refusé en partie : { $id } (version { $revision })
show-problem = problème : { $problem }
show-held-reason = BLOQUÉ : { $reason }
show-note = remarque : { $note }
show-next-attempt = prochain essai : { $at }
show-sync-done = terminé : plus rien à envoyer (les formulaires refusés, s'il y en a, sont listés ci-dessus et dans status)
show-sync-cancelled = annulé : le reste attend la prochaine synchronisation
show-sync-again = pas terminé : synchronisez de nouveau à { $at }
show-sync-attention = pas terminé : une destination demande votre attention (voir ci-dessus)
show-fields = { $count } champs
show-server-said = le serveur a dit : { $text }
