# Constatações: o que a verificação diz de um rascunho. Os argumentos
# ($nome) são preenchidos pelo agente; manter cada um que a mensagem usa.
# Palavras simples para um trabalhador de saúde. Glossário:
# docs/i18n/pt-glossary.md.

## Nomes usados dentro de outras mensagens

quantity-opening_balance = saldo inicial
quantity-received = quantidade recebida
quantity-consumed = quantidade consumida
quantity-losses = perdas
quantity-adjustments = ajustes
quantity-closing_balance = saldo final
quantity-stockout_days = dias de rotura de stock
quantity-requested_quantity = quantidade pedida

json-type-empty = vazio
json-type-bool = verdadeiro/falso
json-type-number = um número
json-type-text = texto
json-type-list = uma lista
json-type-object = um objeto

text-field-comment = O comentário
text-field-captured_by = «Registado por»

## O formulário, a unidade sanitária, o período

finding-form-missing = Escolha qual é o formulário (falta o formulário).
finding-form-unknown = Este tablet não tem o formulário «{ $form }». Os formulários que conhece são: { $known }.
finding-facility-missing = Introduza o código da unidade sanitária (está em falta).
finding-facility-unknown = A unidade sanitária «{ $facility }» não está na lista deste tablet. Verifique o código, ou peça ao seu supervisor para a juntar à lista de unidades sanitárias.
finding-facility-form = { $name } ({ $code }) não reporta o formulário «{ $form }». Verifique a unidade sanitária e o formulário.
finding-facility-no-dhis2 = { $name } ({ $code }) não tem unidade organizacional DHIS2 na lista de unidades sanitárias, por isso os seus serviços não podem ser enviados. Peça ao seu supervisor para a ligar.
finding-facility-no-lmis = { $name } ({ $code }) não tem unidade LMIS na lista de unidades sanitárias, por isso o seu stock não pode ser enviado. Peça ao seu supervisor para a ligar.
finding-period-missing = Introduza o período do formulário, por exemplo 2026-10.
finding-period-invalid = { $detail }
finding-period-future = O período { $period } ainda não começou (começa a { $start }). Verifique o período; não se pode fazer um relatório antecipado.
finding-period-not-over = O período { $period } ainda não terminou (termina a { $end }), por isso os números podem estar incompletos. Confirme para o guardar mesmo assim.
finding-period-old = O período { $period } terminou a { $end }, há { $years ->
        [0] { $months ->
                [one] { $months } mês
               *[other] { $months } meses
            }
       *[other] { $months ->
                [0] { $years } anos
                [one] { $years } anos e { $months } mês
               *[other] { $years } anos e { $months } meses
            }
    }. Verifique se é o período certo (o mês e o ano); se for, confirme para o guardar.

## Texto livre

hidden-kind-direction = um controlo de direção do texto
hidden-kind-control = um carácter de controlo
hidden-advice-lines = Os caracteres escondidos podem fazer o texto parecer diferente do que foi escrito. Apague-os (ou escreva o texto de novo); as mudanças de linha são permitidas.
hidden-advice-line = Os caracteres escondidos podem fazer o texto parecer diferente do que foi escrito. Apague-os, ou escreva de novo.
finding-text-hidden-one = { $field } contém um carácter escondido, { $char } ({ $kind }) no carácter { $at }. { $advice }
finding-text-hidden-many = { $field } contém { $count } caracteres escondidos ({ $char1 } no carácter { $at1 }, { $char2 } no carácter { $at2 }{ $shown ->
        [3] , { $char3 } no carácter { $at3 }
       *[other] {""}
    }{ $more ->
        [0] {""}
       *[other] {" "}e mais { $more }
    }). { $advice }
finding-comment-too-long = O comentário tem { $length } caracteres; mantenha-o abaixo de { $max }.
finding-captured-by-too-long = «Registado por» é demasiado longo; escreva um nome ou iniciais (no máximo { $max } caracteres).

## Números dos serviços

finding-service-unknown-field = «{ $field }» não é um campo do formulário «{ $form }». Apague-o ou verifique a escrita.
finding-service-required = { $label }: este campo é obrigatório. Introduza o número do livro de registo (0 se não houve nenhum).
finding-service-negative = { $label }: { $value } é negativo; uma contagem não pode ser menor que 0.
finding-service-below-min = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } é menos que o mínimo de { $min }. Verifique o livro de registo.
finding-service-above-max = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } é mais que o máximo de { $max } para um período. Verifique no livro de registo se há um erro de escrita.
finding-service-unusually-high = { $label }: { $value }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    } é invulgarmente alto (mais de { $limit }). Confirme que está certo.

## Stock

finding-stock-unknown-product = O produto «{ $product }» não está no formulário «{ $form }». Verifique o código do produto.
finding-stock-missing = { $product }: o stock não foi introduzido. Introduza os números da ficha de stock (0 onde não houve nada).
finding-stock-required = { $product }: { $quantity } — obrigatório (introduza 0 se não houve).
finding-stock-too-large = { $product }: { $value } é demasiado grande para ser um valor real ({ $quantity }). Verifique se há um erro de escrita.
finding-stock-negative = { $product }: { $quantity } — não pode ser negativo ({ $value }).
finding-stock-unusually-high = { $product }: { $quantity } de { $value } { $unit } — invulgarmente alto (mais de { $limit }). Confirme que está certo.
finding-stock-balance = { $product }: o saldo final devia ser { $expected } { $unit } ({ $opening } saldo inicial + { $received } recebidos − { $consumed } consumidos − { $losses } perdas { $adjustments_sign ->
        [minus] −
       *[plus] +
    } { $adjustments } ajustes), mas foi introduzido { $closing }. { $expected_sign ->
        [minus] Usou-se mais do que havia: verifique os números do consumo e das perdas.
       *[plus] Conte o stock de novo, ou corrija um dos números.
    }
finding-stockout-days-too-many = { $product }: { $days } dias de rotura de stock é mais que os { $max } dias de { $period }. Introduza o número de dias em que o produto esteve em rotura.
finding-stockout-all-days-consumed = { $product }: em rotura de stock todos os { $max } dias do período, mas foram consumidos { $consumed } { $unit }. Confirme, ou corrija os dias de rotura.
finding-stockout-days-missing = { $product }: o saldo final é 0 mas não foram registados dias de rotura de stock. Introduza os dias sem stock, ou confirme.
finding-stockout-risk = { $product }: restam { $months } { $months ->
        [one] mês
       *[other] meses
    } de stock, abaixo do mínimo de { $minimum } { $minimum ->
        [one] mês
       *[other] meses
    }: encomende já (quantidade sugerida: { $quantity }{ $unit ->
        [none] {""}
       *[other] {" "}{ $unit }
    }).
finding-opening-not-previous-closing = { $product }: o saldo inicial { $opening } não é o saldo final { $previous } registado para { $previous_period }. Verifique a ficha de stock, ou confirme.
finding-lmis-mapping = { $problem }. A parte de stock deste formulário não chegará ao LMIS até o seu supervisor corrigir a correspondência; os serviços continuam a ir para o DHIS2.

## As regras do próprio formulário (rótulos e conselhos vêm do formulário)

finding-rule-more = { $left } ({ $left_value }) é mais que { $right } ({ $right_value }). { $advice }
finding-rule-less = { $left } ({ $left_value }) é menos que { $right } ({ $right_value }). { $advice }
finding-rule-not-equal = { $left } ({ $left_value }) não é igual a { $right } ({ $right_value }). { $advice }
finding-rule-ratio-zero = { $left } é { $left_value } mas { $right } é 0; esperado: { $band ->
        [between] entre { $min } e { $max } vezes
        [at_least] pelo menos { $min } vezes
        [at_most] no máximo { $max } vezes
       *[none] {""}
    } { $right }. { $advice }
finding-rule-ratio = { $left } ({ $left_value }) é { $ratio } vezes { $right } ({ $right_value }); esperado: { $band ->
        [between] entre { $min } e { $max } vezes
        [at_least] pelo menos { $min } vezes
        [at_most] no máximo { $max } vezes
       *[none] {""}
    }. { $advice }
rule-advice-default = Verifique os dois números no livro de registo e na ficha de stock.

## Leitura de um ficheiro de rascunho

finding-draft-not-text = { $key } tem de ser texto, não { $type }
finding-draft-duplicate-key = { $path } aparece { $count ->
        [2] duas vezes
       *[other] { $count } vezes
    } no rascunho, por isso não se sabe qual é o valor certo. Guarde um e apague { $count ->
        [2] o outro
       *[other] os outros
    }, depois tente de novo.
finding-draft-unknown-key = «{ $key }» não faz parte de um formulário; apague-o ou verifique a escrita
finding-draft-service-not-object = service tem de ser um objeto campo: número, não { $type }
finding-draft-stock-not-object = o stock de { $product } tem de ser um objeto de quantidades, não { $type }
finding-draft-stock-not-products = stock tem de ser um objeto produto: quantidades, não { $type }
finding-draft-not-stock-quantity = «{ $key }» não é uma quantidade de stock; use opening_balance, received, consumed, losses, adjustments, closing_balance, stockout_days ou requested_quantity
finding-draft-number-too-large = { $number } é grande demais; introduza um número inteiro
finding-draft-number-not-whole = { $number } não é um número inteiro; introduza um número inteiro
finding-draft-number-is-text = «{ $text }» é texto, não um número; introduza um número inteiro
finding-draft-number-is-bool = { $value } não é um número; introduza um número inteiro
finding-draft-number-is-list = uma lista não é um número; introduza um número inteiro
finding-draft-number-is-object = um objeto não é um número; introduza um número inteiro

## Períodos que não se podem ler ($input: o que foi escrito)

period-empty = Não foi indicado nenhum período. Escreva-o como 2026-10 (um mês), 2026-Q4 (um trimestre) ou 2026 (um ano).
period-unrecognised = «{ $input }» não é um período reconhecido. Escreva-o como 2026-10 (um mês), 2026-W44 (uma semana), 2026-Q4 (um trimestre) ou 2026 (um ano).
period-year-range = «{ $input }» não é um período real: o ano tem de estar entre { $min } e { $max }.
period-day-zero = «{ $input }» não é um período real: não há dia 0 (os dias começam em 01).
period-month-days = «{ $input }» não é um período real: { $period } só tem { $days } dias.
period-week-zero = «{ $input }» não é um período real: não há semana 0 (as semanas começam em 1).
period-year-weeks = «{ $input }» não é um período real: { $year } só tem { $weeks } semanas.
period-biweek = «{ $input }» não é um período real: os períodos de duas semanas de { $year } vão de 1 a { $count }.
period-month = «{ $input }» não é um período real: não há mês { $month } (os meses vão de 01 a 12).
period-bimonth = «{ $input }» não é um período real: não há bimestre { $index } (vão de 01 a 06; 01B é janeiro e fevereiro).
period-quarter = «{ $input }» não é um período real: não há trimestre { $quarter } (de Q1 a Q4).
period-half = «{ $input }» não é um período real: não há semestre S{ $half } (só há S1 e S2).

## Issue 15, stored messages (wt-15c)
# Um período de outro tipo que o do formulário
period-wrong-type = { $input } é { $found ->
        [Daily] um dia
        [Weekly] uma semana
        [BiWeekly] um período de duas semanas
        [Monthly] um mês
        [BiMonthly] um período de dois meses
        [Quarterly] um trimestre
        [SixMonthly] um semestre
        [SixMonthlyApril] um semestre que começa em abril ou outubro
        [Yearly] um ano
        [FinancialApril] um ano fiscal que começa em abril
        [FinancialJuly] um ano fiscal que começa em julho
        [FinancialOct] um ano fiscal que começa em outubro
       *[other] um período de outro tipo
    }, mas este formulário é preenchido { $expected ->
        [Daily] todos os dias (por exemplo 2026-11-30 ou 20261130)
        [Weekly] todas as semanas (por exemplo 2026-W44 ou 2026W44)
        [BiWeekly] de duas em duas semanas (por exemplo 2026-BiW22 ou 2026BiW22)
        [Monthly] todos os meses (por exemplo 2026-10 ou 202610)
        [BiMonthly] de dois em dois meses (por exemplo 2026-01B ou 202601B)
        [Quarterly] todos os trimestres (por exemplo 2026-Q4 ou 2026Q4)
        [SixMonthly] todos os semestres (por exemplo 2026-S1 ou 2026S1)
        [SixMonthlyApril] todos os semestres, a partir de abril e outubro (por exemplo 2026AprilS1)
        [Yearly] todos os anos (por exemplo 2026)
        [FinancialApril] todos os anos, por ano fiscal que começa em abril (por exemplo 2026April)
        [FinancialJuly] todos os anos, por ano fiscal que começa em julho (por exemplo 2026July)
        [FinancialOct] todos os anos, por ano fiscal que começa em outubro (por exemplo 2026Oct)
       *[other] { $expected }
    }.
# Como a encomenda sugerida foi calculada, uma linha por passo
resupply-step-consumed = { $period }: consumido { $consumed }
resupply-step-adjusted = { $period }: consumido { $consumed } com { $days } dias de rutura de stock, ajustado { $consumed } × 30 / (30 − { $days }) = { $adjusted } (arredondado para cima)
resupply-step-amc = consumo médio mensal = ({ $terms }) / { $count } = { $amc } (arredondado para cima)
resupply-step-amc-short = consumo médio mensal = ({ $terms }) / { $count } = { $amc } (arredondado para cima); só { $count } dos { $wanted } meses pretendidos estão registados
resupply-step-months = meses de stock = { $closing } / { $amc } = { $months }
resupply-step-months-none = meses de stock: nada consumido, não calculado
resupply-step-max = stock máximo = { $amc } × { $max_months } meses = { $max }
resupply-step-order = encomenda sugerida = { $max } − { $closing } = { $suggested }
resupply-step-order-floor = encomenda sugerida = { $max } − { $closing } = { $suggested } (não abaixo de 0)
