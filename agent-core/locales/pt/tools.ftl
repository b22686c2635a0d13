# Comandos do cli-sim de configuração e suporte (mapping, metadata, lmis,
# inspect, forms, validate, diagnose, export/import, resend…) e a
# correspondência das listas de referência. Nomes, códigos, números,
# caminhos e JSON são argumentos.

## Movimentos de stock (assuntos dos motivos do LMIS)

movement-consumed = consumo
movement-received = receção
movement-losses = perdas
movement-positive_adjustment = ajuste positivo
movement-negative_adjustment = ajuste negativo
movement-credit_correction = correção que devolve stock
movement-debit_correction = correção que retira stock

## Correspondência das listas (mapping suggest)

match-evidence-code = o mesmo código { $code } dos dois lados
match-evidence-name = o mesmo nome depois de normalizado («{ $name }»)
match-evidence-not-supported = a unidade sanitária do LMIS não tem este programa
match-evidence-pack = o LMIS conta em embalagens de { $count }
match-evidence-reason-name = o LMIS tem um motivo chamado «{ $name }»
match-evidence-reason-tag-credit = o único motivo de entrada do LMIS marcado «{ $tag }»
match-evidence-reason-tag-debit = o único motivo de saída do LMIS marcado «{ $tag }»
match-evidence-decision = a sua decisão
match-why-shared-code = { $count } itens da outra lista têm este código: { $names }
match-why-shared-name = { $count } itens da outra lista têm este nome: { $names }
match-why-merge = { $count } itens desta lista querem o mesmo ({ $names }): uma fusão ou um duplicado
match-why-unmatched = nenhum item da outra lista tem este código ou este nome
match-problem-unknown-org-unit = as decisões indicam a unidade organizacional DHIS2 { $id }, que não está entre as dos conjuntos de dados
match-problem-unknown-lmis-code = as decisões indicam o código de unidade sanitária LMIS { $code }, que o LMIS não tem
match-problem-empty-decision = uma decisão de unidade sanitária não indica dhis2_org_unit nem lmis_facility_code
match-problem-reason-decision-credit = a decisão para { $movement } indica «{ $name }», que não é um motivo de entrada do LMIS para os tipos de unidade { $types }
match-problem-reason-decision-debit = a decisão para { $movement } indica «{ $name }», que não é um motivo de saída do LMIS para os tipos de unidade { $types }

## Verificação da lista de unidades sanitárias e dos formulários (mapping check)

match-subject-facility = unidade sanitária { $code }
match-subject-form = formulário { $form }
match-subject-product = formulário { $form } produto { $product }
match-subject-reason = formulário { $form } motivo para { $movement }
match-check-org-unit-unknown = dhis2_org_unit { $org_unit } não está atribuída aos conjuntos de dados dos formulários no DHIS2; escolha uma das unidades organizacionais do DHIS2
match-check-org-unit-missing = falta dhis2_org_unit, mas a unidade sanitária envia um formulário ao DHIS2; acrescente o uid da unidade organizacional
match-check-lmis-missing = faltam lmis_facility_id e lmis_facility_code, mas a unidade sanitária envia stock ao LMIS; acrescente os dois
match-check-lmis-id-missing = falta lmis_facility_id; o LMIS dá { $id } para o código { $code }: acrescente "lmis_facility_id": "{ $id }"
match-check-lmis-code-unknown = falta lmis_facility_id e o LMIS não tem unidade sanitária com o código { $code }
match-check-lmis-id-unknown = o LMIS não tem unidade sanitária com o id { $id }
match-check-lmis-code-other = lmis_facility_code { $code } não é o da unidade sanitária LMIS { $id }, cujo código é { $actual }
match-check-lmis-code-other-none = lmis_facility_code { $code } não é o da unidade sanitária LMIS { $id }, que não tem código
match-check-program-not-supported = a unidade sanitária do LMIS não tem o programa { $program } do formulário { $form }; peça ao administrador do LMIS para o acrescentar, ou tire este formulário dos da unidade sanitária
match-check-program-unknown = o LMIS não tem o programa { $program }
match-check-product-unknown = o programa do LMIS não tem produto com o código { $code }
match-check-orderable-other = o formulário indica o produto encomendável { $id }, mas o produto { $code } do LMIS é { $actual }
match-check-reason-direction = o motivo «{ $name }» é um { $kind } no LMIS, mas { $movement } precisa de um { $needed }; defina lmis.reasons.{ $key } no formulário
match-check-reason-unknown = o LMIS não tem o motivo válido «{ $name }» para { $movement }; defina lmis.reasons.{ $key } no formulário com um dos motivos do LMIS

## mapping suggest e mapping check

tool-none = nenhum
tool-map-facilities = unidades sanitárias ({ $org_units } unidades organizacionais, { $lmis } unidades do LMIS):
tool-map-products = produtos:
tool-map-reasons = motivos:
tool-map-proposal = correspondência { $confidence }% { $left } ({ $left_code }) = { $right } ({ $right_code }): { $evidence }
tool-map-question = a decidir { $name } ({ $code }): { $why }; candidatos: { $candidates }
tool-map-reason = motivo para { $movement } (tipos de unidade { $types }): «{ $name }» { $confidence }%: { $evidence }
tool-map-reason-open = a decidir, o motivo para { $movement } (tipos de unidade { $types }): o LMIS não tem «{ $wanted }»; os seus motivos, do mais próximo ao mais distante: { $candidates }
tool-map-problem = problema: { $problem }
tool-map-written = { $count } unidades sanitárias escritas em { $path }
tool-map-not-written = a lista de unidades sanitárias não foi escrita
tool-map-undecided = { $count } item(ns) a decidir: escreva as suas escolhas num ficheiro de decisões e execute de novo com --decisions
tool-map-all-match = a lista de unidades sanitárias e os formulários correspondem aos dois servidores
tool-map-mismatch = { $subject }: { $problem }
tool-map-mismatch-candidates = { $subject }: { $problem }; o servidor tem, do mais próximo ao mais distante: { $candidates }

## metadata pull, lmis check

tool-meta-service = formulário { $form }: { $kept } campo(s) mantido(s), { $added } acrescentado(s), { $removed } retirado(s){ $written }
tool-meta-stock = formulário { $form }, stock: { $kept } produto(s) mantido(s), { $added } acrescentado(s), { $removed } retirado(s){ $written }
tool-meta-written = ; escrito em { $path }
tool-meta-unchanged = ; sem alterações
tool-meta-added = acrescentado { $item }
tool-meta-removed = retirado { $item }
tool-lmis-match = os formulários e a lista de unidades sanitárias correspondem ao LMIS

## forms, validate

tool-period-type = { $type ->
        [daily] Diário
        [weekly] Semanal
        [monthly] Mensal
        [quarterly] Trimestral
        [yearly] Anual
        [biweekly] Quinzenal
        [bimonthly] Bimestral
        [sixmonthly] Semestral
        [sixmonthlyapril] Semestral (a partir de abril)
        [financialapril] Ano financeiro (a partir de abril)
        [financialjuly] Ano financeiro (a partir de julho)
        [financialoct] Ano financeiro (a partir de outubro)
       *[other] { $type }
    }
tool-forms-counts = { $period_type } ({ $fields } campos de serviços, { $products } produtos)
tool-validate-clean = nenhum problema encontrado

## inspect

tool-inspect-revisions = versões:
tool-inspect-revision = { $revision } registada em { $at } (versão do formulário { $version }), sha256 { $hash }
tool-inspect-exchanges = pedidos enviados e respostas:
tool-inspect-no-answer = sem resposta
tool-inspect-no-answer-error = sem resposta: { $error }
tool-inspect-exchange-size = ({ $ms } ms, { $sent } B enviados, { $received } B recebidos)
tool-inspect-sent = enviado: { $body }
tool-inspect-answered = resposta: { $body }
tool-inspect-audit = histórico:
tool-audit-event = { $event ->
        [recorded] registado
        [corrected] corrigido
        [enqueued] em fila
        [sending] a enviar
        [delivered] entregue
        [rejected] recusado
        [waiting] posto de lado
        [held] bloqueado
        [requeued] reenviado
        [superseded] substituído
        [imported] importado
        [escrow_exported] exportado
       *[other] { $event }
    }

## diagnose, export, import, keygen

tool-diagnose-written = escrito { $path } ({ $bytes } bytes, JSON comprimido com gzip): { $forms } formulário(s), { $open ->
        [one] { $open } entrega
       *[other] { $open } entregas
    } ainda por fazer; não contém palavras-passe, tokens nem chaves
tool-export-written = escritos { $forms } formulário(s), { $revisions } versão(ões), { $undelivered } ainda por entregar, em { $path } (cifrado; só a chave do distrito o abre)
tool-export-look-up = este dispositivo vai procurar { $count ->
        [one] a sua entrega LMIS
       *[other] as suas { $count } entregas LMIS
    } no LMIS antes de enviar, para que nada seja enviado duas vezes depois de o ficheiro ser importado noutro lugar
tool-import-report = { $count } versão(ões) importada(s); { $queued ->
        [one] { $queued } entrega
       *[other] { $queued } entregas
    } em fila para a próxima sincronização
tool-import-added = acrescentado { $facility } { $form } { $period } versão { $revision } ({ $id })
tool-import-skipped-title = { $count } versão(ões) ignorada(s), já nesta caixa de saída com o mesmo conteúdo:
tool-import-skipped = ignorado { $facility } { $form } { $period } versão { $revision } ({ $id })
tool-keygen-written = chave secreta escrita em { $path } (guarde-a em lugar seguro, fora dos dispositivos; sem ela nenhuma exportação se abre). Dê aos dispositivos a chave pública acima: cli-sim export --unsent --to { $key } --out FICHEIRO

## resend, send-incomplete, acknowledge-damaged

tool-resend = { $count } parte(s) recusada(s) de { $id } serão enviadas na próxima sincronização
tool-send-incomplete = a requisição do período de { $id } será enviada na próxima sincronização, sem os meses em falta
tool-send-incomplete-none = ainda não há requisição do período de { $id } à espera; sincronize uma vez primeiro
tool-ack-none = nenhuma cópia danificada da caixa de saída espera ser reconhecida
tool-ack-done = reconhecida: { $path } (o ficheiro fica no disco; deixa de ser assinalado)

## Linhas que qualquer comando pode mostrar

tool-warning = aviso: { $text }
tool-warning-no-locale = não há mensagens em «{ $locale }»; mostrado em inglês (o agente fala en, fr, pt e sw)
tool-warning-read-only = a caixa de saída { $path } não pode ser escrita (armazenamento só de leitura ou permissões): os formulários podem ser listados, mas não guardados nem enviados

## record --file, sync --retry-*, JSON

tool-record-duplicate = este formulário já estava guardado com o mesmo conteúdo (versão { $revision }); nada de novo foi escrito
tool-record-correction = guardado como versão { $revision } (uma correção do formulário anterior)
tool-record-confirmed = avisos confirmados:
tool-record-not-saved-errors = não guardado: corrija os erros acima e registe de novo.
tool-record-not-saved-warnings = não guardado: verifique os avisos acima; se os números estiverem certos, registe de novo com --confirm-warnings.
tool-sync-released-backoff = nova tentativa: a espera é esquecida; { $count } entrega(s) que aguardavam a próxima tentativa estão para agora
tool-sync-released-holds = nova tentativa: os destinos bloqueados (credenciais recusadas, endereço errado, outra coisa a responder no lugar do servidor) são tentados de novo nesta passagem
tool-json-error = erro: não foi possível mostrar o JSON: { $detail }

## O registo interativo (cli-sim record sem --file)

rec-intro = Registo de um formulário. Escreva cada número e prima Enter.
    Enter aceita o valor proposto («Enter para ...») ou deixa vazio um campo opcional;
    - esvazia um campo; q para sem guardar (Ctrl-D também).
rec-end-of-input = Fim da entrada: o formulário não foi guardado.
rec-stopped = Parado: o formulário não foi guardado.
rec-io-error = Não foi possível ler ou escrever no terminal ({ $error }): o formulário não foi guardado.
rec-error = Erro: { $message }
rec-warning = Aviso: { $message }
rec-keep = Manter { $value }? [Y/n] (y = sim, n = não)
rec-keep-help = Escreva y para manter ou n para escrever de novo.
rec-it-empty = o campo vazio
rec-not-in-list = «{ $answer }» não está na lista; escreva um número de 1 a { $count } ou um código da lista.
rec-form = Formulário: { $title } ({ $id })
rec-no-form = Este tablet não tem o formulário «{ $id }».
rec-forms = Formulários:
rec-pick-form = Formulário (número ou identificador):
rec-facilities = Unidades sanitárias que enviam este formulário:
rec-pick-facility = Unidade sanitária (número ou código):
rec-facility = Unidade sanitária: { $code } { $name }
rec-period-prompt = Período ({ $type }; Enter para { $suggestion }):
rec-period = Período: { $period }
rec-already-saved = Este formulário já está guardado para { $facility } { $period } (submissão { $id }, versão { $revision }).
    O que escrever agora é guardado como correção; Enter mantém cada valor guardado.
rec-or-more = { $min } ou mais
rec-required = obrigatório
rec-optional = opcional
rec-may-be-negative = pode ser negativo
rec-days = dias
rec-enter-for = ; Enter para { $value }{ $why }
rec-closing-of = , o stock final de { $period }
rec-stock-title = Stock: { $name } ({ $code })
rec-stock-title-unit = Stock: { $name } ({ $code }), contado em { $unit }
rec-stock-opening_balance = Stock inicial
rec-stock-received = Quantidade recebida
rec-stock-consumed = Quantidade consumida
rec-stock-losses = Perdas (fora de prazo, danificados, perdidos)
rec-stock-adjustments = Ajustes
rec-stock-closing_balance = Stock final
rec-stock-stockout_days = Dias de rotura de stock
rec-stock-requested_quantity = Quantidade pedida
rec-again = De novo a partir do stock inicial de { $code }:
rec-retype-closing = Escreva de novo o stock final contado, ou r para escrever de novo os números deste produto.
rec-closing-entered = (stock final escrito: { $value })
rec-to-order = A encomendar: { $line }
rec-note = Nota: { $message } (Ser-lhe-á perguntado antes de guardar.)
rec-comment = Comentário
rec-captured-by = Registado por (nome ou iniciais)
rec-value = Valor
rec-enter-keeps = opcional; Enter mantém «{ $value }»
rec-checked = Antes de guardar, o formulário foi verificado:
rec-cannot-correct = Estes problemas não podem ser corrigidos aqui: o formulário não foi guardado.
rec-errors-prompt = O formulário não pode ser guardado com erros. Prima Enter para corrigir os campos indicados, ou q para parar sem guardar:
rec-warnings-help = (y guarda o formulário com estes avisos; e permite corrigir os campos indicados; n ou Enter para sem guardar.)
rec-confirm-prompt = Confirmar e guardar? [y/N]
rec-not-confirmed = Não guardado: os avisos não foram confirmados. Verifique o registo e as fichas de stock e depois registe o formulário de novo.
rec-type-yne = Escreva y, n ou e.
rec-warnings-not-field = Estes avisos não dizem respeito a um campo do formulário.
rec-saved = Guardado: submissão { $id }, versão { $revision }
rec-duplicate = Este formulário já estava guardado com o mesmo conteúdo; nada de novo foi escrito.
rec-correction = É uma correção do formulário guardado antes; a nova versão será enviada.
rec-next-sync = Será enviado na próxima sincronização.
