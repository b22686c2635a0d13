# Constats : ce que la vérification dit d'un brouillon. Les arguments
# ($nom) sont remplis par l'agent ; garder chacun de ceux qu'un message
# utilise. Mots simples pour un agent de santé. Glossaire :
# docs/i18n/fr-glossary.md.

## Noms utilisés dans d'autres messages

quantity-opening_balance = stock initial
quantity-received = quantité reçue
quantity-consumed = quantité consommée
quantity-losses = pertes
quantity-adjustments = ajustements
quantity-closing_balance = stock final
quantity-stockout_days = jours de rupture de stock
quantity-requested_quantity = quantité demandée

json-type-empty = vide
json-type-bool = vrai/faux
json-type-number = un nombre
json-type-text = du texte
json-type-list = une liste
json-type-object = un objet

text-field-comment = Le commentaire
text-field-captured_by = « Saisi par »

## Le formulaire, la formation sanitaire, la période

finding-form-missing = Choisissez de quel formulaire il s'agit (le formulaire manque).
finding-form-unknown = Cette tablette n'a pas de formulaire « { $form } ». Les formulaires qu'elle connaît : { $known }.
finding-facility-missing = Saisissez le code de la formation sanitaire (il manque).
finding-facility-unknown = La formation sanitaire « { $facility } » n'est pas dans la liste de cette tablette. Vérifiez le code, ou demandez à votre superviseur de l'ajouter à la liste des formations sanitaires.
finding-facility-form = { $name } ({ $code }) ne remplit pas le formulaire « { $form } ». Vérifiez la formation sanitaire et le formulaire.
finding-facility-no-dhis2 = { $name } ({ $code }) n'a pas d'unité d'organisation DHIS2 dans la liste des formations sanitaires : ses services ne peuvent pas être envoyés. Demandez à votre superviseur de la relier.
finding-facility-no-lmis = { $name } ({ $code }) n'a pas de formation sanitaire LMIS dans la liste : son stock ne peut pas être envoyé. Demandez à votre superviseur de la relier.
finding-period-missing = Saisissez la période du formulaire, par exemple 2026-10.
finding-period-invalid = { $detail }
finding-period-future = La période { $period } n'a pas encore commencé (elle commence le { $start }). Vérifiez la période ; on ne peut pas faire un rapport à l'avance.
finding-period-not-over = La période { $period } n'est pas encore terminée (elle finit le { $end }) : ses chiffres peuvent être incomplets. Confirmez pour l'enregistrer quand même.
finding-period-old = La période { $period } s'est terminée le { $end }, il y a { $years ->
        [0] { $months ->
                [one] { $months } mois
               *[other] { $months } mois
            }
       *[other] { $months ->
                [0] { $years } ans
               *[other] { $years } ans et { $months } mois
            }
    }. Vérifiez que c'est la bonne période (le mois et l'année) ; si oui, confirmez pour l'enregistrer.

## Texte libre

hidden-kind-direction = un contrôle de sens d'écriture
hidden-kind-control = un caractère de contrôle
hidden-advice-lines = Les caractères cachés peuvent faire paraître le texte différent de ce qui a été tapé. Supprimez-les (ou retapez le texte) ; les retours à la ligne sont permis.
hidden-advice-line = Les caractères cachés peuvent faire paraître le texte différent de ce qui a été tapé. Supprimez-les, ou retapez-le.
finding-text-hidden-one = { $field } contient un caractère caché, { $char } ({ $kind }) au caractère { $at }. { $advice }
finding-text-hidden-many = { $field } contient { $count } caractères cachés ({ $char1 } au caractère { $at1 }, { $char2 } au caractère { $at2 }{ $shown ->
        [3] , { $char3 } au caractère { $at3 }
       *[other] {""}
    }{ $more ->
        [0] {""}
       *[other] {" "}et { $more } autres
    }). { $advice }
finding-comment-too-long = Le commentaire fait { $length } caractères ; gardez-le sous { $max }.
finding-captured-by-too-long = « Saisi par » est trop long ; mettez un nom ou des initiales ({ $max } caractères au plus).

## Chiffres des services

finding-service-unknown-field = « { $field } » n'est pas un champ du formulaire « { $form } ». Supprimez-le ou vérifiez l'orthographe.
finding-service-required = { $label } : ce champ est obligatoire. Saisissez le chiffre du registre (0 s'il n'y en a eu aucun).
finding-service-negative = { $label } : { $value } est négatif ; un nombre ne peut pas être sous 0.
finding-service-below-min = { $label } : { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } est moins que le minimum de { $min }. Vérifiez le registre.
finding-service-above-max = { $label } : { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } est plus que le maximum de { $max } pour une période. Vérifiez le registre : une faute de frappe ?
finding-service-unusually-high = { $label } : { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } est anormalement élevé (plus de { $limit }). Confirmez que c'est juste.

## Stock

finding-stock-unknown-product = Le produit « { $product } » n'est pas sur le formulaire « { $form } ». Vérifiez le code du produit.
finding-stock-missing = { $product } : le stock n'a pas été saisi. Saisissez les chiffres de la fiche de stock (0 là où il n'y a rien eu).
finding-stock-required = { $product } : { $quantity } — obligatoire (saisissez 0 s'il n'y en a pas eu).
finding-stock-too-large = { $product } : { $value } est trop grand pour être un vrai chiffre ({ $quantity }). Vérifiez qu'il n'y a pas de faute de frappe.
finding-stock-negative = { $product } : { $quantity } — ne peut pas être négatif ({ $value }).
finding-stock-unusually-high = { $product } : { $quantity } de { $value } { $unit } — anormalement élevé (plus de { $limit }). Confirmez que c'est juste.
finding-stock-balance = { $product } : le stock final devrait être { $expected } { $unit } ({ $opening } stock initial + { $received } reçus − { $consumed } consommés − { $losses } pertes { $adjustments_sign ->
        [minus] −
       *[plus] +
    } { $adjustments } ajustements), mais { $closing } a été saisi. { $expected_sign ->
        [minus] On a utilisé plus que ce qui était disponible : vérifiez les chiffres de consommation et de pertes.
       *[plus] Recomptez le stock, ou corrigez l'un des chiffres.
    }
finding-stockout-days-too-many = { $product } : { $days } jours de rupture de stock, c'est plus que les { $max } jours de { $period }. Saisissez le nombre de jours où le produit était en rupture.
finding-stockout-all-days-consumed = { $product } : en rupture de stock les { $max } jours de la période, mais { $consumed } { $unit } ont été consommés. Confirmez, ou corrigez les jours de rupture.
finding-stockout-days-missing = { $product } : le stock final est 0 mais aucun jour de rupture n'a été saisi. Saisissez les jours sans stock, ou confirmez.
finding-stockout-risk = { $product } : il reste { $months } mois de stock, en dessous du minimum de { $minimum } mois : commandez maintenant (quantité proposée : { $quantity }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    }).
finding-opening-not-previous-closing = { $product } : le stock initial { $opening } n'est pas le stock final { $previous } enregistré pour { $previous_period }. Vérifiez la fiche de stock, ou confirmez.
finding-lmis-mapping = { $problem }. La partie stock de ce formulaire n'ira pas au LMIS tant que votre superviseur n'aura pas corrigé la correspondance ; les services vont quand même à DHIS2.

## Les règles du formulaire (libellés et conseils viennent du formulaire)

finding-rule-more = { $left } ({ $left_value }) est plus que { $right } ({ $right_value }). { $advice }
finding-rule-less = { $left } ({ $left_value }) est moins que { $right } ({ $right_value }). { $advice }
finding-rule-not-equal = { $left } ({ $left_value }) n'est pas égal à { $right } ({ $right_value }). { $advice }
finding-rule-ratio-zero = { $left } vaut { $left_value } mais { $right } vaut 0 ; attendu : { $band ->
        [between] entre { $min } et { $max } fois
        [at_least] au moins { $min } fois
        [at_most] au plus { $max } fois
       *[none] {""}
    } { $right }. { $advice }
finding-rule-ratio = { $left } ({ $left_value }) vaut { $ratio } fois { $right } ({ $right_value }) ; attendu : { $band ->
        [between] entre { $min } et { $max } fois
        [at_least] au moins { $min } fois
        [at_most] au plus { $max } fois
       *[none] {""}
    }. { $advice }
rule-advice-default = Vérifiez les deux chiffres dans le registre et sur la fiche de stock.

## Lecture d'un fichier brouillon

finding-draft-not-text = { $key } doit être du texte, pas { $type }
finding-draft-duplicate-key = { $path } apparaît { $count ->
        [2] deux fois
       *[other] { $count } fois
    } dans le brouillon : on ne sait pas quelle valeur est la bonne. Gardez-en une et supprimez { $count ->
        [2] l'autre
       *[other] les autres
    }, puis réessayez.
finding-draft-unknown-key = « { $key } » ne fait pas partie d'un formulaire ; supprimez-le ou vérifiez l'orthographe
finding-draft-service-not-object = service doit être un objet champ : nombre, pas { $type }
finding-draft-stock-not-object = le stock de { $product } doit être un objet de quantités, pas { $type }
finding-draft-stock-not-products = stock doit être un objet produit : quantités, pas { $type }
finding-draft-not-stock-quantity = « { $key } » n'est pas une quantité de stock ; utilisez opening_balance, received, consumed, losses, adjustments, closing_balance, stockout_days ou requested_quantity
finding-draft-number-too-large = { $number } est beaucoup trop grand ; saisissez un nombre entier
finding-draft-number-not-whole = { $number } n'est pas un nombre entier ; saisissez un nombre entier
finding-draft-number-is-text = « { $text } » est du texte, pas un nombre ; saisissez un nombre entier
finding-draft-number-is-bool = { $value } n'est pas un nombre ; saisissez un nombre entier
finding-draft-number-is-list = une liste n'est pas un nombre ; saisissez un nombre entier
finding-draft-number-is-object = un objet n'est pas un nombre ; saisissez un nombre entier

## Périodes illisibles ($input : ce qui a été saisi)

period-empty = Aucune période n'a été saisie. Écrivez-la comme 2026-10 (un mois), 2026-Q4 (un trimestre) ou 2026 (une année).
period-unrecognised = « { $input } » n'est pas une période reconnue. Écrivez-la comme 2026-10 (un mois), 2026-W44 (une semaine), 2026-Q4 (un trimestre) ou 2026 (une année).
period-year-range = « { $input } » n'est pas une vraie période : l'année doit être entre { $min } et { $max }.
period-day-zero = « { $input } » n'est pas une vraie période : il n'y a pas de jour 0 (les jours commencent à 01).
period-month-days = « { $input } » n'est pas une vraie période : { $period } n'a que { $days } jours.
period-week-zero = « { $input } » n'est pas une vraie période : il n'y a pas de semaine 0 (les semaines commencent à 1).
period-year-weeks = « { $input } » n'est pas une vraie période : { $year } n'a que { $weeks } semaines.
period-biweek = « { $input } » n'est pas une vraie période : les périodes de deux semaines de { $year } vont de 1 à { $count }.
period-month = « { $input } » n'est pas une vraie période : il n'y a pas de mois { $month } (les mois vont de 01 à 12).
period-bimonth = « { $input } » n'est pas une vraie période : il n'y a pas de bimestre { $index } (ils vont de 01 à 06 ; 01B est janvier et février).
period-quarter = « { $input } » n'est pas une vraie période : il n'y a pas de trimestre { $quarter } (de Q1 à Q4).
period-half = « { $input } » n'est pas une vraie période : il n'y a pas de semestre S{ $half } (seulement S1 et S2).

## Issue 15, stored messages (wt-15c)
# Une période d'un autre type que celui du formulaire
period-wrong-type = { $input } est { $found ->
        [Daily] un jour
        [Weekly] une semaine
        [BiWeekly] une période de deux semaines
        [Monthly] un mois
        [BiMonthly] une période de deux mois
        [Quarterly] un trimestre
        [SixMonthly] un semestre
        [SixMonthlyApril] un semestre commençant en avril ou en octobre
        [Yearly] une année
        [FinancialApril] un exercice commençant en avril
        [FinancialJuly] un exercice commençant en juillet
        [FinancialOct] un exercice commençant en octobre
       *[other] une période d'un autre type
    }, mais ce formulaire se remplit { $expected ->
        [Daily] chaque jour (par exemple 2026-11-30 ou 20261130)
        [Weekly] chaque semaine (par exemple 2026-W44 ou 2026W44)
        [BiWeekly] toutes les deux semaines (par exemple 2026-BiW22 ou 2026BiW22)
        [Monthly] chaque mois (par exemple 2026-10 ou 202610)
        [BiMonthly] tous les deux mois (par exemple 2026-01B ou 202601B)
        [Quarterly] chaque trimestre (par exemple 2026-Q4 ou 2026Q4)
        [SixMonthly] chaque semestre (par exemple 2026-S1 ou 2026S1)
        [SixMonthlyApril] chaque semestre, en avril et en octobre (par exemple 2026AprilS1)
        [Yearly] chaque année (par exemple 2026)
        [FinancialApril] chaque année, par exercice commençant en avril (par exemple 2026April)
        [FinancialJuly] chaque année, par exercice commençant en juillet (par exemple 2026July)
        [FinancialOct] chaque année, par exercice commençant en octobre (par exemple 2026Oct)
       *[other] { $expected }
    }.
# Comment la commande proposée a été calculée, une ligne par étape
resupply-step-consumed = { $period } : consommé { $consumed }
resupply-step-adjusted = { $period } : consommé { $consumed } avec { $days } jours de rupture de stock, ajusté { $consumed } × 30 / (30 − { $days }) = { $adjusted } (arrondi au-dessus)
resupply-step-amc = consommation mensuelle moyenne = ({ $terms }) / { $count } = { $amc } (arrondi au-dessus)
resupply-step-amc-short = consommation mensuelle moyenne = ({ $terms }) / { $count } = { $amc } (arrondi au-dessus) ; seulement { $count } des { $wanted } mois voulus sont enregistrés
resupply-step-months = mois de stock = { $closing } / { $amc } = { $months }
resupply-step-months-none = mois de stock : rien consommé, non calculé
resupply-step-max = stock maximum = { $amc } × { $max_months } mois = { $max }
resupply-step-order = commande proposée = { $max } − { $closing } = { $suggested }
resupply-step-order-floor = commande proposée = { $max } − { $closing } = { $suggested } (pas en dessous de 0)
