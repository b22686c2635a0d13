# Erreurs : ce qui s'est passé et quoi faire. $detail : la raison technique.

error-invalid-draft = le formulaire a { $count } problème(s) à corriger : { $findings }
error-needs-confirmation = le formulaire a { $count } avertissement(s) à confirmer : { $findings }
error-unknown-submission = aucun formulaire d'identifiant { $id } dans la boîte d'envoi ; vérifiez l'identifiant avec `status`
error-config = la configuration doit être corrigée : { $detail }
error-storage-full = la mémoire de l'appareil est pleine, rien n'a été enregistré. Libérez de la place et enregistrez de nouveau. ({ $detail })
error-storage-unavailable = impossible d'écrire dans la base de la boîte d'envoi : { $detail }. Vérifiez les droits du fichier et la place libre ; rien n'a été changé.
error-storage-corrupt = la base de la boîte d'envoi était abîmée ; elle est gardée à { $path } pour récupération : demandez au support de la récupérer. ({ $detail })
error-database-too-new = la base de la boîte d'envoi a été écrite par une version plus récente de l'application (schéma { $found }, cette version connaît { $supported }). Mettez l'application à jour ; les données n'ont pas été touchées.
error-busy = la boîte d'envoi est occupée ({ $detail }) ; réessayez dans un instant
error-auth-failed = { $destination } a refusé la connexion : { $detail }. Saisissez de nouveau le nom d'utilisateur et le mot de passe.
error-unreachable = { $destination } est injoignable : { $detail }. Vérifiez la connexion du téléphone (données mobiles ou Wi-Fi) et réessayez plus tard ; rien n'a été changé.
error-internal = un problème est survenu dans l'agent (référence { $reference }) ; merci de le signaler. { $detail }
error-line = erreur : { $text }
