# Erros: o que aconteceu e o que fazer. $detail: a razão técnica.

error-invalid-draft = o formulário tem { $count } problema(s) a corrigir: { $findings }
error-needs-confirmation = o formulário tem { $count } aviso(s) a confirmar: { $findings }
error-unknown-submission = não há nenhum formulário com o identificador { $id } na caixa de saída; verifique o identificador com `status`
error-config = a configuração precisa de ser corrigida: { $detail }
error-storage-full = a memória do aparelho está cheia, nada foi guardado. Liberte espaço e guarde de novo. ({ $detail })
error-storage-unavailable = não é possível escrever na base de dados da caixa de saída: { $detail }. Verifique as permissões do ficheiro e o espaço livre; nada foi alterado.
error-storage-corrupt = a base de dados da caixa de saída estava danificada e foi guardada em { $path } para recuperação; peça ao suporte que a recupere. ({ $detail })
error-database-too-new = a base de dados da caixa de saída foi escrita por uma versão mais recente da aplicação (esquema { $found }, esta versão conhece { $supported }). Atualize a aplicação; os dados não foram tocados.
error-busy = a caixa de saída está ocupada ({ $detail }); tente de novo daqui a pouco
error-auth-failed = { $destination } recusou a entrada: { $detail }. Introduza de novo o nome de utilizador e a palavra-passe.
error-unreachable = não foi possível chegar a { $destination }: { $detail }. Verifique a ligação do telefone (dados móveis ou Wi-Fi) e tente mais tarde; nada foi alterado.
error-internal = algo correu mal dentro do agente (referência { $reference }); por favor comunique-o. { $detail }
error-line = erro: { $text }
