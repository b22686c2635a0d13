# Synchronisation : états d'envoi, pannes, refus des serveurs expliqués.

## États d'envoi

state-pending = en attente
state-in_flight = en cours d'envoi
state-delivered = livré
state-rejected = refusé
state-superseded = remplacé
state-waiting = mis de côté

## Pourquoi l'envoi a échoué ($detail : les mots techniques du téléphone)

net-unreachable = le serveur est injoignable ({ $detail })
net-timeout = le serveur n'a pas répondu à temps ({ $detail })
net-broken = la connexion a été coupée avant la réponse ({ $detail })
net-tls = la connexion sécurisée a échoué (certificat ou TLS) ({ $detail })
net-other = la requête a échoué ({ $detail })
net-not-started = la requête n'a pas été envoyée ({ $detail })

## Refus de DHIS2, par code d'erreur

dhis2-advice-period-closed = DHIS2 a fermé cette période à la saisie. Demandez au responsable des données du district de l'ouvrir (une exception de verrouillage), puis renvoyez.
dhis2-advice-input-periods = DHIS2 ne prend pas de données pour cette période en ce moment (périodes de saisie de l'ensemble de données). Vérifiez la période du formulaire ; si elle est juste, demandez au responsable des données du district d'ouvrir une période de saisie, puis renvoyez.
dhis2-advice-period-not-open = DHIS2 ne prend pas de données pour cette période en ce moment (fermée, pas encore ouverte, ou hors des périodes de saisie). Vérifiez la période du formulaire ; si elle est juste, demandez au responsable des données du district de l'ouvrir, puis renvoyez.
dhis2-advice-period-not-yet = DHIS2 n'accepte pas encore cette période. Vérifiez la période du formulaire.
dhis2-advice-approved = Les données de ce mois sont déjà approuvées dans DHIS2 et ne peuvent plus changer. Demandez au district d'annuler l'approbation.
dhis2-advice-value = DHIS2 n'accepte pas cette valeur pour ce champ. Vérifiez le nombre et corrigez le formulaire.
dhis2-advice-field = Ce champ n'existe pas dans l'ensemble de données de DHIS2. La définition du formulaire n'est plus à jour : demandez à votre superviseur de la mettre à jour.
dhis2-advice-category = La définition du formulaire relie ce champ à une catégorie que DHIS2 n'accepte pas. Demandez à votre superviseur de mettre à jour la définition du formulaire.
dhis2-advice-facility = DHIS2 n'accepte pas de données de cette formation sanitaire pour cet ensemble de données. Demandez à votre superviseur de vérifier la liste des formations sanitaires.
dhis2-advice-access = L'utilisateur DHIS2 ne peut pas écrire dans cet ensemble de données. Demandez à l'administrateur DHIS2 de lui donner l'accès.
dhis2-advice-period = DHIS2 n'accepte pas cette période pour cet ensemble de données. Vérifiez la période du formulaire.
dhis2-advice-facility-closed = La formation sanitaire est fermée dans DHIS2 pour cette période. Demandez au district de vérifier ses dates d'ouverture.
dhis2-advice-category-dates = DHIS2 n'accepte des données pour cette catégorie qu'entre ses dates de début et de fin, et cette période est en dehors. Vérifiez la période du formulaire, ou demandez à l'administrateur DHIS2 d'élargir les dates.
dhis2-advice-category-facility = DHIS2 n'autorise pas cette catégorie pour cette formation sanitaire. Demandez à l'administrateur DHIS2 de vérifier les formations sanitaires de la catégorie.
dhis2-advice-other = DHIS2 a refusé cette valeur. Lisez le message du serveur, puis corrigez le formulaire ou demandez à votre superviseur.
dhis2-advice-not-stored = Pas enregistré : DHIS2 a refusé tout le formulaire à cause de { $fields }. Cette valeur n'est pas le problème.
dhis2-advice-refused-form = DHIS2 a refusé ce formulaire. Lisez le message du serveur ; demandez à votre superviseur s'il n'est pas clair.

## Un formulaire refusé, en une ligne

sync-refused-whole = refusé en entier ({ $count ->
        [one] { $count } champ
       *[other] { $count } champs
    }) ; que faire : voir ci-dessous.
sync-refused-part = des valeurs refusées, les autres enregistrées ({ $count ->
        [one] { $count } champ
       *[other] { $count } champs
    }) ; que faire : voir ci-dessous.

## Texte montré tel quel (mots d'un serveur ou d'un ancien agent)

plain-text = { $text }

## Formulaires que cet appareil ne peut plus envoyer (définition de formulaire,
## formation sanitaire ou partie retirée) ; montré à chaque démarrage
stranded-form-gone = le formulaire « { $form } » n'est plus défini
stranded-facility-gone = la formation sanitaire « { $facility } » n'est plus dans la liste des formations sanitaires
stranded-part-gone = le formulaire « { $form } » n'a plus de partie { $part }
stranded-org-unit-gone = la formation sanitaire « { $facility } » n'a pas d'unité d'organisation DHIS2 dans la liste des formations sanitaires
stranded-reason = { $reason } ({ $count ->
        [one] { $count } formulaire
       *[other] { $count } formulaires
    })
stranded-warning = { $count ->
        [one] { $count } formulaire pas encore livré ne peut pas être envoyé avec les définitions actuelles : { $reasons }. Il est gardé, pas effacé. Remettez la définition du formulaire ou la formation sanitaire dans la liste, et il part à la prochaine synchronisation, ou enregistrez-le pour le district avec `{ $command }`
       *[other] { $count } formulaires pas encore livrés ne peuvent pas être envoyés avec les définitions actuelles : { $reasons }. Ils sont gardés, pas effacés. Remettez la définition du formulaire ou la formation sanitaire dans la liste, et ils partent à la prochaine synchronisation, ou enregistrez-les pour le district avec `{ $command }`
    }

## Issue 15, messages gardés : ce qui est gardé avec un envoi ou une
## destination et montré plus tard, dans la langue du moment.
sync-kept-form-gone = le formulaire « { $form } » n'est plus défini sur cet appareil, il ne peut donc pas être envoyé. Il est gardé, pas effacé : il attend, et part tout seul à la prochaine synchronisation dès que la définition du formulaire ou la formation sanitaire est remise, ou enregistrez-le pour le district avec `{ $command }`
sync-kept-facility-gone = la formation sanitaire « { $facility } » n'est plus dans la liste des formations sanitaires de cet appareil, le formulaire ne peut donc pas être envoyé. Il est gardé, pas effacé : il attend, et part tout seul à la prochaine synchronisation dès que la définition du formulaire ou la formation sanitaire est remise, ou enregistrez-le pour le district avec `{ $command }`
sync-kept-part-gone = le formulaire « { $form } » n'a plus de partie { $part } sur cet appareil, il ne peut donc pas être envoyé. Il est gardé, pas effacé : il attend, et part tout seul à la prochaine synchronisation dès que la définition du formulaire ou la formation sanitaire est remise, ou enregistrez-le pour le district avec `{ $command }`
sync-kept-org-unit-gone = la formation sanitaire « { $facility } » n'a pas d'unité d'organisation DHIS2 dans la liste des formations sanitaires de cet appareil, le formulaire ne peut donc pas être envoyé. Il est gardé, pas effacé : il attend, et part tout seul à la prochaine synchronisation dès que la liste lui en donne une, ou enregistrez-le pour le district avec `{ $command }`
hold-dhis2-credentials = DHIS2 a refusé le nom d'utilisateur et le mot de passe (ou le jeton). Corrigez-les dans les réglages ; la prochaine synchronisation réessaie dès qu'ils ont changé.
hold-dhis2-authority = L'utilisateur DHIS2 n'a pas le droit de saisir des données. Demandez à l'administrateur DHIS2.
hold-dhis2-not-found = L'adresse DHIS2 { $url } ne mène pas à la saisie de données de DHIS2 (HTTP 404). Vérifiez l'adresse dans les réglages.
hold-dhis2-too-large = un formulaire est trop gros pour DHIS2 ou pour un proxy devant lui ({ $answer }) ; demandez à l'administrateur DHIS2 d'accepter des envois plus gros
hold-dhis2-intercepted = quelque chose entre cet appareil et DHIS2 a répondu à sa place : { $answer }. Si cet appareil passe par un point d'accès ou un proxy, ouvrez un navigateur et connectez-vous ; si l'adresse DHIS2 est fausse, corrigez-la
sync-dhis2-busy = DHIS2 est occupé ou en panne (HTTP { $status })
hold-kind-credentials = le mot de passe ou ses droits ont été refusés : corrigez-les dans les réglages
hold-kind-configuration = l'adresse ou les réglages sont faux : corrigez-les dans les réglages
hold-kind-intercepted = autre chose a répondu à la place du serveur : changez de réseau ou connectez-vous au point d'accès
sync-note-no-credentials = aucun identifiant { $destination } n'est configuré
sync-note-credentials-unavailable = l'application n'a pas pu donner les identifiants ({ $reason }) ; réessayez plus tard
sync-note-address-changed = l'adresse a changé : nouvel essai
sync-note-credentials-changed = les identifiants ont changé : nouvel essai
sync-note-not-configured = { $destination } n'est pas configuré (pas de section { $section })
sync-note-backing-off = en attente après des échecs jusqu'au { $until }
sync-note-clear-text = { $destination } est joint en http:// simple (allow_insecure_http = true) : mots de passe et rapports passent sur le réseau sans chiffrement. Passez à https:// dès que le serveur le permet
# An LMIS stock event waits: the LMIS's reference data does not match ($problems: technical, names and codes)
sync-wait-lmis-mismatch = pas envoyé : les données de référence du LMIS ne correspondent pas à ce formulaire ou à la liste des formations sanitaires ({ $problems }). Corrigez la liste des formations sanitaires ou la correspondance LMIS du formulaire (`cli-sim lmis check` montre ce que le LMIS a), ou demandez à l'administrateur du LMIS d'approuver le produit pour ce type de formation sanitaire et ce programme. Il est gardé et part tout seul à une synchronisation dès qu'ils correspondent ; le LMIS est interrogé à nouveau au plus une fois par jour
