# Sincronização: estados de envio, falhas, recusas dos servidores explicadas.

## Estados de envio

state-pending = em espera
state-in_flight = a enviar
state-delivered = entregue
state-rejected = recusado
state-superseded = substituído
state-waiting = retido

## Porque o envio falhou ($detail: as palavras técnicas do telefone)

net-unreachable = não foi possível chegar ao servidor ({ $detail })
net-timeout = o servidor não respondeu a tempo ({ $detail })
net-broken = a ligação caiu antes da resposta ({ $detail })
net-tls = a ligação segura falhou (certificado ou TLS) ({ $detail })
net-other = o pedido falhou ({ $detail })
net-not-started = o pedido não foi enviado ({ $detail })

## Recusas do DHIS2, por código de erro

dhis2-advice-period-closed = O DHIS2 fechou este período para introdução de dados. Peça ao responsável de dados do distrito que o abra (uma exceção de bloqueio) e envie de novo.
dhis2-advice-input-periods = O DHIS2 não aceita dados para este período neste momento (períodos de introdução do conjunto de dados). Verifique o período do formulário; se estiver certo, peça ao responsável de dados do distrito que abra um período de introdução e envie de novo.
dhis2-advice-period-not-open = O DHIS2 não aceita dados para este período neste momento (fechado, ainda não aberto, ou fora dos períodos de introdução). Verifique o período do formulário; se estiver certo, peça ao responsável de dados do distrito que o abra e envie de novo.
dhis2-advice-period-not-yet = O DHIS2 ainda não aceita este período. Verifique o período do formulário.
dhis2-advice-approved = Os dados deste mês já estão aprovados no DHIS2 e não podem mudar. Peça ao distrito que retire a aprovação.
dhis2-advice-value = O DHIS2 não aceita este valor para este campo. Verifique o número e corrija o formulário.
dhis2-advice-field = Este campo não existe no conjunto de dados do DHIS2. A definição do formulário está desatualizada: peça ao seu supervisor que a atualize.
dhis2-advice-category = A definição do formulário liga este campo a uma categoria que o DHIS2 não aceita. Peça ao seu supervisor que atualize a definição do formulário.
dhis2-advice-facility = O DHIS2 não aceita dados desta unidade sanitária neste conjunto de dados. Peça ao seu supervisor que verifique a lista de unidades sanitárias.
dhis2-advice-access = O utilizador do DHIS2 não pode escrever neste conjunto de dados. Peça ao administrador do DHIS2 que dê acesso.
dhis2-advice-period = O DHIS2 não aceita este período para este conjunto de dados. Verifique o período do formulário.
dhis2-advice-facility-closed = A unidade sanitária está fechada no DHIS2 neste período. Peça ao distrito que verifique as datas da unidade.
dhis2-advice-category-dates = O DHIS2 só aceita dados desta categoria entre as suas datas de início e de fim, e este período está fora delas. Verifique o período do formulário, ou peça ao administrador do DHIS2 que alargue as datas.
dhis2-advice-category-facility = O DHIS2 não permite esta categoria nesta unidade sanitária. Peça ao administrador do DHIS2 que verifique as unidades da categoria.
dhis2-advice-other = O DHIS2 recusou este valor. Leia a mensagem do servidor e corrija o formulário ou pergunte ao seu supervisor.
dhis2-advice-not-stored = Não guardado: o DHIS2 recusou o formulário inteiro por causa de { $fields }. Este valor não é o problema.
dhis2-advice-refused-form = O DHIS2 recusou este formulário. Leia a mensagem do servidor; pergunte ao seu supervisor se não estiver claro.

## Um formulário recusado, numa linha

sync-refused-whole = recusado por inteiro ({ $count ->
        [one] { $count } campo
       *[other] { $count } campos
    }); o que fazer está abaixo.
sync-refused-part = alguns valores recusados, os outros guardados ({ $count ->
        [one] { $count } campo
       *[other] { $count } campos
    }); o que fazer está abaixo.

## Texto mostrado como veio (palavras de um servidor ou de um agente antigo)

plain-text = { $text }

## Formulários que este aparelho já não pode enviar (definição de formulário,
## unidade sanitária ou parte removida); mostrado em cada arranque
stranded-form-gone = o formulário «{ $form }» já não está definido
stranded-facility-gone = a unidade sanitária «{ $facility }» já não está na lista de unidades sanitárias
stranded-part-gone = o formulário «{ $form }» já não tem parte { $part }
stranded-org-unit-gone = a unidade sanitária «{ $facility }» não tem unidade organizacional DHIS2 na lista de unidades sanitárias
stranded-reason = { $reason } ({ $count ->
        [one] { $count } formulário
       *[other] { $count } formulários
    })
stranded-warning = { $count ->
        [one] { $count } formulário ainda não entregue não pode ser enviado com as definições atuais: { $reasons }. Está guardado, não apagado. Reponha a definição do formulário ou a unidade sanitária na lista e ele será enviado na próxima sincronização, ou guarde-o para o distrito com `{ $command }`
       *[other] { $count } formulários ainda não entregues não podem ser enviados com as definições atuais: { $reasons }. Estão guardados, não apagados. Reponha a definição do formulário ou a unidade sanitária na lista e eles serão enviados na próxima sincronização, ou guarde-os para o distrito com `{ $command }`
    }

## Issue 15, mensagens guardadas: o que fica guardado com um envio ou um
## destino e é mostrado mais tarde, na língua desse momento.
sync-kept-form-gone = o formulário «{ $form }» já não está definido neste aparelho, por isso não pode ser enviado. Está guardado, não apagado: fica à espera e é enviado sozinho na próxima sincronização assim que a definição do formulário ou a unidade sanitária voltar, ou guarde-o para o distrito com `{ $command }`
sync-kept-facility-gone = a unidade sanitária «{ $facility }» já não está na lista de unidades sanitárias deste aparelho, por isso o formulário não pode ser enviado. Está guardado, não apagado: fica à espera e é enviado sozinho na próxima sincronização assim que a definição do formulário ou a unidade sanitária voltar, ou guarde-o para o distrito com `{ $command }`
sync-kept-part-gone = o formulário «{ $form }» já não tem parte { $part } neste aparelho, por isso não pode ser enviado. Está guardado, não apagado: fica à espera e é enviado sozinho na próxima sincronização assim que a definição do formulário ou a unidade sanitária voltar, ou guarde-o para o distrito com `{ $command }`
sync-kept-org-unit-gone = a unidade sanitária «{ $facility }» não tem unidade organizacional DHIS2 na lista de unidades sanitárias deste aparelho, por isso o formulário não pode ser enviado. Está guardado, não apagado: fica à espera e é enviado sozinho na próxima sincronização assim que a lista lhe der uma, ou guarde-o para o distrito com `{ $command }`
hold-dhis2-credentials = O DHIS2 recusou o nome de utilizador e a senha (ou o token). Corrija-os nas definições; a próxima sincronização tenta de novo quando mudarem.
hold-dhis2-authority = O utilizador do DHIS2 não pode introduzir dados (falta de permissão). Pergunte ao administrador do DHIS2.
hold-dhis2-not-found = O endereço do DHIS2 { $url } não leva à entrada de dados do DHIS2 (HTTP 404). Verifique o endereço nas definições.
hold-dhis2-too-large = um formulário é grande demais para o DHIS2 ou para um proxy à frente dele ({ $answer }); peça ao administrador do DHIS2 que aceite envios maiores
hold-dhis2-intercepted = algo entre este aparelho e o DHIS2 respondeu no lugar dele: { $answer }. Se este aparelho usa um hotspot ou um proxy, abra um navegador e entre nele; se o endereço do DHIS2 estiver errado, corrija-o
sync-dhis2-busy = o DHIS2 está ocupado ou com falhas (HTTP { $status })
hold-kind-credentials = a senha ou as suas permissões foram recusadas: corrija-as nas definições
hold-kind-configuration = o endereço ou as definições estão errados: corrija-os nas definições
hold-kind-intercepted = outra coisa respondeu no lugar do servidor: mude de rede ou entre no hotspot
sync-note-no-credentials = não há credenciais do { $destination } configuradas
sync-note-credentials-unavailable = a aplicação não conseguiu dar as credenciais ({ $reason }); tente mais tarde
sync-note-address-changed = o endereço mudou: a tentar de novo
sync-note-credentials-changed = as credenciais mudaram: a tentar de novo
sync-note-not-configured = o { $destination } não está configurado (sem secção { $section })
sync-note-backing-off = em espera depois de falhas até { $until }
sync-note-clear-text = o { $destination } é alcançado por http:// simples (allow_insecure_http = true): senhas e relatórios passam pela rede sem cifra. Passe para https:// assim que o servidor o permitir
# An LMIS stock event waits: the LMIS's reference data does not match ($problems: technical, names and codes)
sync-wait-lmis-mismatch = não enviado: os dados de referência do LMIS não correspondem a este formulário ou à lista de unidades sanitárias ({ $problems }). Corrija a lista de unidades sanitárias ou a correspondência LMIS do formulário (`cli-sim lmis check` mostra o que o LMIS tem), ou peça ao administrador do LMIS que aprove o produto para este tipo de unidade sanitária e programa. Fica guardado e é enviado sozinho numa sincronização assim que corresponderem; o LMIS é consultado de novo no máximo uma vez por dia
