# cli-sim: a história da demo e as tabelas de estado, envio e saúde.

## A demo

demo-title = == Demo do agente de sincronização do posto de saúde ==
demo-folder = pasta de trabalho: { $path }
demo-dhis2 = DHIS2 simulado (respostas da 2.40) em { $url }
demo-lmis = OpenLMIS v3 simulado em { $url }
demo-forms = formulários: { $forms }
demo-facilities = unidades sanitárias: { $count }; mês do relatório { $month }
demo-step-record = -- 1. Registo de um mês de formulários (ainda sem rede)
demo-saved = guardado { $form } { $facility } -> { $id } (versão { $revision })
demo-step-confirm = -- 2. Um formulário com um número invulgar: o agente pede confirmação
demo-confirms = o profissional de saúde verifica a ficha de stock e confirma.
demo-saved-correction = guardado como correção de { $id }: versão { $revision }
demo-unexpected = inesperado: { $what }
demo-step-invalid = -- 3. Um formulário inválido: cada problema é explicado, nada é guardado
demo-step-double-tap = -- 4. Dois toques em Guardar: o mesmo formulário não é guardado duas vezes
demo-double-tap-same = o segundo toque devolveu o mesmo formulário: guardado uma só vez.
demo-double-tap-new = o segundo toque guardou o formulário outra vez: isto não devia acontecer.
demo-step-late = -- 5. Um relatório atrasado: o formulário de { $period } (o DHIS2 fechou esse período após 90 dias)
demo-saved-id = guardado { $id }
demo-step-offline = -- 6. Sincronização com os servidores inacessíveis: nada se perde, tudo espera
demo-step-online = -- 7. A rede voltou: sincronizar de novo
demo-syncing = a enviar
demo-parts-sent = partes enviadas
demo-step-why = -- 8. Porque o DHIS2 recusou o relatório atrasado, campo a campo
demo-step-held = -- 9. O que o DHIS2 tem agora (lido de volta pela sua API)
demo-values = { $facility } { $month }: { $count ->
        [one] { $count } valor
       *[other] { $count } valores
    }
demo-completions = formulários completos registados: { $count }
demo-step-stock-cards = -- 10. Fichas de stock no LMIS: stock disponível face ao saldo final de cada formulário
demo-stock-card = { $facility } { $form } versão { $revision }: { $cells }
demo-events = movimentos de stock aplicados: { $count } (um por versão de formulário enviada; nenhum duas vezes)
demo-step-cross-checks = -- 11. Serviços face ao consumo, lado a lado ({ $month })
demo-cross-check = { $left } { $left_value } face a { $right } { $right_value }, razão { $ratio } (esperado de { $min } a { $max }): { $verdict }
demo-check-ok = bem
demo-check-look = VERIFICAR
demo-step-outbox = -- 12. Caixa de saída

## Constatações

show-error = ERRO
show-warning = AVISO

## O que encomendar

show-resupply-title = O que encomendar (a partir deste formulário e dos meses anteriores na caixa de saída):
show-resupply-line = { $name }: { $order } ({ $left }{ $risk }; até { $max } meses de stock{ $short })
show-resupply-order = encomendar { $quantity }{ $unit }
show-resupply-no-order = não é preciso encomendar
show-resupply-left = restam { $months } meses de stock
show-resupply-nothing-consumed = nada foi consumido
show-resupply-risk = , abaixo do mínimo de { $min } meses: encomende já
show-resupply-short = ; média de { $count } dos { $wanted } meses

## Estado, envio e saúde

show-release = Nada é enviado para lá até isto ser resolvido. A próxima sincronização tenta de novo sozinha quando as credenciais ou o endereço mudarem (para uma página de hotspot ou proxy: quando a rede mudar, `cli-sim sync --retry-now`); para tentar já: cli-sim sync --retry-auth
show-col-id = identificador
show-col-form = formulário
show-col-facility = unidade
show-col-period = período
show-col-revision = vers.
show-held = { $destination }: RETIDO: { $reason }
show-destination-error = { $destination }: { $error }
show-damaged-copy = { $message } Para o confirmar: cli-sim acknowledge-damaged
show-damaged = CÓPIA DANIFICADA: { $text }
show-outbox-count = formulários na caixa de saída: { $count }
show-data-use = dados { $destination } { $requests } pedidos, { $sent } B enviados, { $received } B recebidos (últimos 30 dias { $month } B, última sincronização { $last } B){ $per_form }
show-data-use-per-form = , { $bytes } B por formulário entregue
show-oldest = formulário não entregue mais antigo: registado em { $at } (há { $age })
show-damaged-may-hold = nenhum formulário desta caixa de saída está à espera, mas a cópia danificada acima pode ter formulários nunca enviados
show-all-delivered = todos os formulários foram entregues
show-age-seconds = { $n } s
show-age-minutes = { $n } min
show-age-hours = { $n } h
show-age-days = { $n ->
        [one] { $n } dia
       *[other] { $n } dias
    }
show-sync-line = { $destination }: { $delivered } entregues, { $rejected } recusados, { $queued } ainda em espera; { $requests } pedido(s), { $sent } bytes enviados, { $received } recebidos
show-refused = recusado: { $id } (versão { $revision })
show-partly-refused = recusado em parte: { $id } (versão { $revision })
show-problem = problema: { $problem }
show-held-reason = RETIDO: { $reason }
show-note = nota: { $note }
show-next-attempt = próxima tentativa: { $at }
show-sync-done = terminado: não falta enviar nada (os formulários recusados, se houver, estão listados acima e em status)
show-sync-cancelled = cancelado: o resto espera pela próxima sincronização
show-sync-again = não terminado: sincronize de novo às { $at }
show-sync-attention = não terminado: um destino precisa de atenção (ver acima)
show-fields = { $count } campos
show-server-said = o servidor disse: { $text }
